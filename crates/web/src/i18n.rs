//! Dutch and English for the pages: the language comes from a `lang` cookie (the switch),
//! else the browser's `Accept-Language`, else Dutch.

use axum::http::{HeaderMap, header};

/// A language the pages speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    /// The language for a request.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        if let Some(chosen) = crate::auth::cookie(headers, "lang") {
            return Self::parse(chosen).unwrap_or(Self::Nl);
        }
        let accepted = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        accepted
            .split(',')
            .filter_map(|item| Self::parse(item.split(';').next().unwrap_or_default().trim()))
            .next()
            .unwrap_or(Self::Nl)
    }

    fn parse(tag: &str) -> Option<Self> {
        let primary = tag
            .split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "nl" => Some(Self::Nl),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The BCP 47 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Nl => "nl",
            Self::En => "en",
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Self {
        match self {
            Self::Nl => Self::En,
            Self::En => Self::Nl,
        }
    }

    /// The text for `key`; the key itself when it has none (visible, never a crash).
    pub fn t(self, key: &str) -> &'static str {
        TEXTS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or("??", |(_, nl, en)| if self == Self::Nl { nl } else { en })
    }
}

/// (key, Dutch, English).
const TEXTS: &[(&str, &str, &str)] = &[
    ("app", "Centrale", "Centrale"),
    ("language", "English", "Nederlands"),
    ("login.title", "Inloggen", "Log in"),
    ("login.email", "E-mailadres", "E-mail address"),
    ("login.password", "Wachtwoord", "Password"),
    ("login.submit", "Inloggen", "Log in"),
    (
        "login.failed",
        "Onjuist e-mailadres of wachtwoord.",
        "Wrong e-mail address or password.",
    ),
    (
        "login.throttled",
        "Te veel pogingen. Probeer het over een minuut opnieuw.",
        "Too many attempts. Try again in a minute.",
    ),
    (
        "login.expired",
        "Uw sessie is verlopen. Log opnieuw in; uw notitie blijft bewaard.",
        "Your session has expired. Log in again; your note is kept.",
    ),
    ("logout", "Uitloggen", "Log out"),
    ("console.title", "Console", "Console"),
    ("wallboard.title", "Wallboard", "Wallboard"),
    ("state.available", "Beschikbaar", "Available"),
    ("state.pause", "Pauze", "Pause"),
    ("state.offline", "Offline", "Offline"),
    ("state.on_call", "In gesprek", "On call"),
    ("state.wrap_up", "Nawerk", "Wrap-up"),
    ("phone.registered", "Telefoon aangemeld", "Phone registered"),
    (
        "phone.unregistered",
        "Telefoon niet aangemeld",
        "Phone not registered",
    ),
    ("queue.title", "Wachtrij", "Queue"),
    ("queue.waiting", "wachtend", "waiting"),
    ("queue.longest", "langste wachttijd", "longest wait"),
    (
        "pop.idle",
        "Geen gesprek. Druk F2 om beschikbaar te worden.",
        "No call. Press F2 to become available.",
    ),
    ("pop.greeting", "Begroeting", "Greeting"),
    (
        "pop.held_by_operator",
        "In de wacht: de beller hoort wachtmuziek",
        "On hold: the caller hears hold music",
    ),
    (
        "pop.held_by_caller",
        "De beller heeft u in de wacht gezet",
        "The caller put you on hold",
    ),
    ("pop.instructions", "Instructies", "Instructions"),
    (
        "pop.temporary",
        "Tijdelijke instructies",
        "Temporary instructions",
    ),
    (
        "pop.standard",
        "Standaardinstructies",
        "Standard instructions",
    ),
    ("pop.line", "Gekozen lijn", "Line dialled"),
    ("pop.caller", "Beller", "Caller"),
    ("pop.anonymous", "Anoniem", "Anonymous"),
    ("pop.vip", "VIP: extra aandacht", "VIP: extra care"),
    ("pop.last_notes", "Eerdere notities", "Earlier notes"),
    ("pop.employees", "Medewerkers", "Employees"),
    ("pop.reachable", "bereikbaar", "reachable"),
    ("pop.unreachable", "niet bereikbaar", "not reachable"),
    ("pop.emergency", "Spoedprocedure", "Emergency procedure"),
    ("transfer.title", "Doorverbinden (F7)", "Put through (F7)"),
    ("transfer.number", "Ander nummer", "Other number"),
    ("transfer.go", "Doorverbinden", "Put through"),
    ("transfer.consult", "Ruggespraak", "Consult first"),
    ("transfer.blind", "Direct", "At once"),
    ("transfer.calling", "Belt", "Calling"),
    ("transfer.consulting", "In ruggespraak met", "Consulting"),
    (
        "transfer.consult_keys",
        "F9 doorverbinden · F10 terug naar beller",
        "F9 put through · F10 back to the caller",
    ),
    (
        "transfer.returned",
        "Terug bij de beller",
        "Back with the caller",
    ),
    (
        "transfer.destination_hung_up",
        "heeft opgehangen; u bent terug bij de beller",
        "hung up; you are back with the caller",
    ),
    (
        "transfer.back",
        "u bent terug bij de beller",
        "you are back with the caller",
    ),
    (
        "transfer.caller_left_consult",
        "De beller heeft opgehangen; u spreekt nog met",
        "The caller hung up; you are still talking with",
    ),
    ("transfer.mobile", "mobiel", "mobile"),
    ("transfer.fixed", "vast", "fixed"),
    (
        "transfer.ringing",
        "Doorverbinden met",
        "Putting through to",
    ),
    ("transfer.connected", "Doorverbonden met", "Put through to"),
    ("transfer.not_reached", "Niet bereikt", "Not reached"),
    ("transfer.busy", "in gesprek", "busy"),
    ("transfer.no_answer", "geen gehoor", "no answer"),
    ("transfer.failed", "mislukt", "failed"),
    ("transfer.refused", "Niet doorverbonden", "Not put through"),
    (
        "transfer.premium_rate",
        "betaalnummers (0900, 0906, 0909) zijn voor deze klant niet toegestaan",
        "premium-rate numbers (0900, 0906, 0909) are not allowed for this client",
    ),
    (
        "transfer.international",
        "buitenlandse nummers zijn voor deze klant niet toegestaan",
        "numbers abroad are not allowed for this client",
    ),
    (
        "transfer.short_code",
        "korte nummers kunnen niet gebeld worden",
        "short codes cannot be called",
    ),
    (
        "transfer.not_listed",
        "dit nummer staat niet bij de klant om door te verbinden",
        "this number is not one the client lists to put callers through to",
    ),
    (
        "transfer.not_a_number",
        "geen geldig telefoonnummer",
        "not a valid phone number",
    ),
    (
        "transfer.too_many",
        "te veel uitgaande gesprekken; probeer het zo weer",
        "too many outbound calls; try again shortly",
    ),
    ("emergency.sms", "SMS nu sturen", "Send SMS now"),
    ("emergency.consult", "Ruggespraak", "Consult"),
    ("emergency.done", "gedaan", "done"),
    ("emergency.queued", "SMS in de wachtrij", "SMS queued"),
    ("emergency.sent", "SMS verstuurd", "SMS sent"),
    ("emergency.delivered", "SMS afgeleverd", "SMS delivered"),
    ("emergency.failed", "SMS mislukt", "SMS failed"),
    ("note.title", "Gespreksnotitie", "Call note"),
    ("note.caller_name", "Naam beller", "Caller's name"),
    ("note.company", "Bedrijf", "Company"),
    ("note.phone", "Telefoonnummer", "Phone number"),
    ("note.message", "Bericht", "Message"),
    ("note.for", "Voor", "For"),
    ("note.general", "Algemeen adres", "General address"),
    ("note.urgent", "Spoed", "Urgent"),
    ("note.callback", "Terugbelwens", "Callback wish"),
    ("note.callback_agreed", "Terugbelverzoek", "Callback"),
    ("note.callback_none", "geen", "none"),
    (
        "note.callback_asap",
        "zo snel mogelijk",
        "as soon as possible",
    ),
    ("note.callback_at", "om", "at"),
    ("note.callback_between", "tussen", "between"),
    ("note.callback_today", "vandaag", "today"),
    ("note.callback_tomorrow", "morgen", "tomorrow"),
    ("note.callback_from", "van (uu:mm)", "from (hh:mm)"),
    ("note.callback_to", "tot (uu:mm)", "until (hh:mm)"),
    ("note.callback_with", "door", "by"),
    (
        "note.callback_anyone",
        "wie de notitie leest",
        "whoever reads the note",
    ),
    (
        "note.callback_time",
        "geef de tijd als 14:00",
        "give the time as 14:00",
    ),
    ("note.save", "Opslaan (Ctrl+Enter)", "Save (Ctrl+Enter)"),
    ("note.saved", "Notitie opgeslagen", "Note saved"),
    ("note.failed", "Opslaan mislukt", "Saving failed"),
    ("search.title", "Zoeken (F6)", "Search (F6)"),
    (
        "search.placeholder",
        "Klant, nummer of beller",
        "Client, number or caller",
    ),
    (
        "shortcuts",
        "F2 beschikbaar · F3 pauze · F4 offline · F6 zoeken · F7 doorverbinden · F8 wacht / terug · F9 ruggespraak doorverbinden · F10 terug naar beller · Ctrl+Enter opslaan",
        "F2 available · F3 pause · F4 offline · F6 search · F7 put through · F8 hold / resume · F9 complete the consult · F10 back to the caller · Ctrl+Enter save",
    ),
    ("wall.operators", "Telefonisten", "Operators"),
    ("wall.today", "Vandaag", "Today"),
    ("wall.offered", "Aangeboden", "Offered"),
    ("wall.answered", "Beantwoord", "Answered"),
    ("wall.abandoned", "Opgehangen", "Abandoned"),
    ("wall.within20", "Binnen 20 s", "Within 20 s"),
    ("wall.asa", "Gem. antwoordtijd", "Avg. speed of answer"),
    (
        "wall.staffing",
        "Bezetting (Erlang C)",
        "Staffing (Erlang C)",
    ),
    (
        "wall.calls_per_hour",
        "Gesprekken per uur",
        "Calls per hour",
    ),
    ("wall.aht", "Gem. afhandeltijd (s)", "Avg. handle time (s)"),
    (
        "wall.target",
        "Doel binnen 20 s (%)",
        "Target within 20 s (%)",
    ),
    ("wall.needed", "Nodig", "Needed"),
    (
        "wall.current_sl",
        "Servicelevel met huidige bezetting",
        "Service level with current staffing",
    ),
    ("wall.calculate", "Bereken", "Calculate"),
    ("wall.failed", "Mislukte bezorgingen", "Failed deliveries"),
    (
        "wall.failed_none",
        "Geen: alle notities zijn bezorgd of onderweg.",
        "None: every note is delivered or on its way.",
    ),
    (
        "portal.login_title",
        "Klantenportaal — inloggen",
        "Customer portal — log in",
    ),
    (
        "portal.password_title",
        "Wachtwoord kiezen",
        "Choose a password",
    ),
    (
        "portal.password_mismatch",
        "De twee wachtwoorden zijn niet gelijk.",
        "The two passwords differ.",
    ),
    (
        "portal.password_short",
        "Kies een wachtwoord van minstens 10 tekens.",
        "Choose a password of at least 10 characters.",
    ),
    ("portal.password_for", "Voor", "For"),
    ("portal.password_new", "Nieuw wachtwoord", "New password"),
    (
        "portal.password_rule",
        "Minstens 10 tekens.",
        "At least 10 characters.",
    ),
    ("portal.password_repeat", "Nogmaals", "Once more"),
    (
        "portal.password_submit",
        "Wachtwoord opslaan en inloggen",
        "Save the password and log in",
    ),
    (
        "portal.link_unusable",
        "Deze link werkt niet meer: hij is al gebruikt of verlopen (een link werkt één keer, 24 uur lang). Vraag uw beheerder om een nieuwe uitnodiging.",
        "This link no longer works: it was used or has expired (a link works once, for 24 hours). Ask your administrator for a new invitation.",
    ),
    ("portal.nav", "Klantenportaal", "Customer portal"),
    ("portal.now_title", "Nu", "Now"),
    (
        "portal.now_explain",
        "Zo ziet de telefoniste uw bedrijf als er nu iemand belt.",
        "This is what the operator sees of your business when someone calls now.",
    ),
    (
        "portal.no_number",
        "U hebt nog geen doorschakelnummer; neem contact op met de antwoordservice.",
        "You have no forwarding number yet; please contact the answering service.",
    ),
    ("portal.calls_title", "Gesprekken", "Calls"),
    ("portal.forwarding_title", "Doorschakelen", "Forwarding"),
    (
        "portal.forwarding_explain",
        "Schakel uw telefoon door naar uw doorschakelnummer. Kies uw soort lijn; de codes hieronder bevatten uw nummer al.",
        "Forward your phone to your forwarding number. Choose your kind of line; the codes below already hold your number.",
    ),
    ("portal.line_type", "Soort lijn", "Kind of line"),
    (
        "portal.ring_seconds",
        "Seconden overgaan (mobiel, bij niet opnemen)",
        "Seconds of ringing (mobile, on no answer)",
    ),
    (
        "portal.ring_invalid",
        "Overgaan kan 5 tot 30 seconden, in stappen van 5; 20 seconden is getoond.",
        "Ringing can be 5 to 30 seconds, in steps of 5; 20 seconds is shown.",
    ),
    ("portal.show", "Toon", "Show"),
    (
        "portal.pbx_help",
        "Stel in uw telefooncentrale in dat gesprekken bij bezet, bij niet opnemen of buiten kantoortijd (overloop) worden doorgeschakeld naar",
        "Set your telephone exchange to forward calls on busy, on no answer or outside office hours (overflow) to",
    ),
    ("portal.condition", "Wanneer", "When"),
    ("portal.switch_on", "Aanzetten", "Switch on"),
    ("portal.switch_off", "Uitzetten", "Switch off"),
    ("portal.colleagues_title", "Collega's", "Colleagues"),
    ("portal.invoices_title", "Facturen", "Invoices"),
    (
        "portal.no_invoices",
        "Er zijn nog geen facturen.",
        "There are no invoices yet.",
    ),
    ("portal.filter", "Gesprekken zoeken", "Find calls"),
    ("portal.from", "Vanaf", "From"),
    ("portal.to", "Tot en met", "Up to and including"),
    ("portal.employee", "Voor medewerker", "For employee"),
    ("portal.everyone", "Iedereen", "Everyone"),
    ("portal.caller", "Beller", "Caller"),
    ("portal.search", "Zoek in notities", "Search the notes"),
    ("portal.urgent_only", "Alleen spoed", "Urgent only"),
    ("portal.csv", "Exporteer als CSV", "Export as CSV"),
    ("portal.filter_wrong", "Klopt niet:", "Not right:"),
    (
        "portal.no_calls",
        "Geen gesprekken gevonden.",
        "No calls found.",
    ),
    ("portal.waited", "wachttijd", "waited"),
    ("portal.answered_by", "aangenomen door", "answered by"),
    ("portal.dialled", "gebeld naar", "dialled"),
    ("portal.pages", "Pagina's", "Pages"),
    ("portal.previous", "Vorige", "Previous"),
    ("portal.next", "Volgende", "Next"),
    ("portal.general", "algemeen", "general"),
    (
        "portal.admin_only",
        "Alleen de beheerder van uw portaal kan dit.",
        "Only your portal's administrator can do this.",
    ),
    (
        "portal.invited",
        "De uitnodiging is verstuurd.",
        "The invitation has been sent.",
    ),
    ("portal.name", "Naam", "Name"),
    ("portal.access", "Toegang", "Access"),
    ("portal.remove", "Verwijderen", "Remove"),
    ("portal.admin", "beheerder", "administrator"),
    ("portal.user", "gebruiker", "user"),
    (
        "portal.invited_pending",
        "uitgenodigd, nog geen wachtwoord",
        "invited, no password yet",
    ),
    ("portal.invite", "Collega uitnodigen", "Invite a colleague"),
    (
        "portal.make_admin",
        "Ook beheerder (mag collega's uitnodigen en verwijderen)",
        "Also administrator (may invite and remove colleagues)",
    ),
    (
        "portal.send_invite",
        "Uitnodiging versturen",
        "Send the invitation",
    ),
    ("line.analog", "Analoog (KPN)", "Analog (KPN)"),
    ("line.isdn", "ISDN", "ISDN"),
    ("line.upc", "Kabel (UPC / Ziggo)", "Cable (UPC / Ziggo)"),
    ("line.mobile", "Mobiel", "Mobile"),
    ("line.fixed", "vast", "fixed"),
    ("line.pbx", "Telefooncentrale", "Telephone exchange"),
    ("forward.always", "Altijd", "Always"),
    ("forward.busy", "Bij bezet", "On busy"),
    ("forward.no_answer", "Bij niet opnemen", "On no answer"),
    (
        "forward.unreachable",
        "Bij onbereikbaar",
        "When unreachable",
    ),
    (
        "forward.all_conditional",
        "Bij bezet, niet opnemen en onbereikbaar",
        "On busy, no answer and unreachable",
    ),
    (
        "forward.cancel_all",
        "Alle doorschakelingen uit",
        "Every forwarding off",
    ),
    ("outcome.answered", "aangenomen", "answered"),
    (
        "outcome.abandoned_queued",
        "opgehangen in de wachtrij",
        "hung up while waiting",
    ),
    (
        "outcome.abandoned_ringing",
        "opgehangen tijdens overgaan",
        "hung up while ringing",
    ),
    ("outcome.rejected", "geweigerd", "refused"),
    ("outcome.failed", "mislukt", "failed"),
    ("outcome.in_progress", "bezig", "in progress"),
    ("channel.email", "e-mail", "e-mail"),
    ("channel.sms", "sms", "SMS"),
    ("delivery.queued", "onderweg", "on its way"),
    ("delivery.sent", "verstuurd", "sent"),
    ("delivery.delivered", "afgeleverd", "delivered"),
    ("delivery.failed", "mislukt", "failed"),
    ("transfer_result.connected", "doorverbonden", "put through"),
    ("transfer_result.no_answer", "niet opgenomen", "no answer"),
    ("transfer_result.busy", "bezet", "busy"),
    ("transfer_result.failed", "mislukt", "failed"),
    (
        "transfer_result.caller_left",
        "beller hing op",
        "caller hung up",
    ),
    (
        "transfer_result.returned",
        "ruggespraak, niet doorverbonden",
        "consulted, not put through",
    ),
    (
        "transfer_result.destination_hung_up",
        "ruggespraak, medewerker hing op",
        "consulted, the employee hung up",
    ),
    ("csv.arrived", "binnengekomen", "arrived"),
    ("csv.waited", "wachttijd", "waited"),
    ("csv.answered_by", "aangenomen door", "answered by"),
    ("csv.outcome", "afloop", "outcome"),
    ("csv.dialled", "doorschakelnummer", "forwarding number"),
    ("csv.original", "oorspronkelijk nummer", "original number"),
    ("csv.caller", "beller", "caller"),
    ("csv.note_caller", "notitie: beller", "note: caller"),
    ("csv.message", "bericht", "message"),
    ("csv.urgent", "spoed", "urgent"),
    ("csv.for", "voor", "for"),
    ("csv.callback", "terugbellen", "callback"),
    ("csv.transfers", "doorverbonden", "transfers"),
    ("csv.deliveries", "bezorging", "deliveries"),
    ("portal.instructions_title", "Instructies", "Instructions"),
    ("instr.sets", "Alle instructies", "All instructions"),
    (
        "instr.status_standard",
        "standaard, als er geen tijdelijke geldt",
        "standard, when no temporary set applies",
    ),
    ("instr.status_now", "geldt nu", "in force now"),
    ("instr.status_upcoming", "komt nog", "upcoming"),
    ("instr.status_ended", "afgelopen", "ended"),
    ("instr.changed", "gewijzigd", "changed"),
    (
        "instr.timeline",
        "Wat geldt wanneer (de komende vier weken)",
        "What applies when (the coming four weeks)",
    ),
    (
        "instr.new",
        "Nieuwe tijdelijke instructies",
        "New temporary instructions",
    ),
    (
        "instr.create",
        "Tijdelijke instructies opslaan",
        "Save the temporary instructions",
    ),
    ("instr.save", "Opslaan", "Save"),
    (
        "instr.form_wrong",
        "Niet opgeslagen: zie de velden hieronder.",
        "Not saved: see the fields below.",
    ),
    (
        "instr.title",
        "Naam (bijvoorbeeld Beurs, Zomervakantie)",
        "Name (for example Trade fair, Summer holiday)",
    ),
    ("instr.start", "Vanaf", "From"),
    ("instr.end", "Tot", "Until"),
    (
        "instr.zone_hint",
        "Tijden in de tijdzone",
        "Times in the time zone",
    ),
    (
        "instr.greeting",
        "Begroeting (leeg: de gewone)",
        "Greeting (empty: the usual one)",
    ),
    (
        "instr.greeting_hint",
        "Wat de telefoniste zegt bij het opnemen.",
        "What the operator says on answering.",
    ),
    (
        "instr.text",
        "Instructies voor de telefoniste",
        "Instructions for the operator",
    ),
    (
        "instr.put_through",
        "Wie mag worden doorverbonden",
        "Who callers may be put through to",
    ),
    (
        "instr.put_through_hint",
        "Niemand aangevinkt: iedereen die bereikbaar is.",
        "Nobody ticked: anyone reachable.",
    ),
    ("instr.delivery", "Notities bezorgen", "Delivering notes"),
    (
        "instr.all_by_sms",
        "Alles per sms naar",
        "Everything by SMS to",
    ),
    (
        "instr.all_to_colleague",
        "Alles naar collega",
        "Everything to colleague",
    ),
    (
        "instr.also_email",
        "Alles ook per e-mail naar",
        "Everything also by e-mail to",
    ),
    ("instr.step", "Stap", "Step"),
    ("instr.step_sms", "spoed-sms", "urgent SMS"),
    (
        "instr.step_call",
        "bellen en doorverbinden",
        "call and put through",
    ),
    (
        "instr.step_voicemail",
        "voicemail inspreken",
        "leave a voicemail",
    ),
    ("instr.step_to", "nummer", "number"),
    ("instr.step_who", "wie", "who"),
    (
        "instr.step_number",
        "Vul een geldig telefoonnummer in voor deze stap.",
        "Fill in a valid phone number for this step.",
    ),
    (
        "instr.step_name",
        "Zeg wie er gebeld wordt.",
        "Say whom to call.",
    ),
    (
        "instr.step_kind",
        "Kies wat er in deze stap gebeurt.",
        "Choose what this step does.",
    ),
    (
        "instr.no_such_employee",
        "Die medewerker bestaat niet (meer).",
        "That employee does not exist (any more).",
    ),
    (
        "instr.when_wrong",
        "Vul datum en tijd in.",
        "Fill in a date and time.",
    ),
    (
        "instr.end_before_start",
        "Het einde moet na het begin liggen.",
        "The end must come after the start.",
    ),
    (
        "instr.overlaps",
        "Deze periode overlapt met andere tijdelijke instructies. Tijdens de overlap geldt de set die het laatst begint. Klopt dat zo?",
        "This period overlaps other temporary instructions. During the overlap the set that starts last applies. Is that what you want?",
    ),
    (
        "instr.confirm_overlap",
        "Ja, zo bedoeld: opslaan",
        "Yes, that is what I want: save",
    ),
    (
        "instr.preview",
        "Zo ziet de telefoniste het",
        "This is what the operator sees",
    ),
    (
        "instr.conflict",
        "Niet opgeslagen: iemand anders heeft deze instructies intussen gewijzigd",
        "Not saved: someone else changed these instructions meanwhile",
    ),
    ("instr.theirs", "Nu opgeslagen", "Saved now"),
    ("instr.yours", "Uw wijziging", "Your change"),
    (
        "instr.conflict_hint",
        "Pas uw wijziging zo nodig aan en sla opnieuw op; dat vervangt de opgeslagen versie.",
        "Adjust your change if needed and save again; that replaces the saved version.",
    ),
    (
        "instr.changed_meanwhile",
        "Iemand anders heeft deze instructies intussen gewijzigd; bekijk ze en probeer het opnieuw.",
        "Someone else changed these instructions meanwhile; look at them and try again.",
    ),
    ("instr.end_now", "Nu beëindigen", "End now"),
    (
        "instr.end_not_in_force",
        "Alleen instructies die nu gelden kunnen nu beëindigd worden; pas anders de periode aan of verwijder ze.",
        "Only instructions in force now can be ended now; otherwise change the period or delete them.",
    ),
    ("instr.delete", "Verwijderen", "Delete"),
    ("instr.history", "Geschiedenis", "History"),
    ("instr.version", "Versie", "Version"),
    ("instr.deleted", "verwijderd", "deleted"),
    ("instr.period", "Periode", "Period"),
    ("instr.name", "Naam", "Name"),
    (
        "instr.saved",
        "Opgeslagen. De telefoniste werkt er meteen mee.",
        "Saved. The operator works with it at once.",
    ),
    ("instr.by_bureau", "antwoordservice", "answering service"),
    ("instr.by_system", "Centrale", "Centrale"),
    (
        "portal.people_title",
        "Medewerkers en bellers",
        "Employees and callers",
    ),
    ("portal.delivery_title", "Bezorging", "Delivery"),
    ("people.role", "Functie of afdeling", "Job or department"),
    ("people.emails", "E-mailadressen", "E-mail addresses"),
    (
        "people.emails_hint",
        "Meer adressen: scheid ze met een komma.",
        "More addresses: separate them with commas.",
    ),
    ("people.mobile", "Mobiel nummer", "Mobile number"),
    ("people.landline", "Vast nummer", "Fixed number"),
    ("people.numbers", "Nummers", "Numbers"),
    ("people.sms", "Notities per sms", "Notes by SMS"),
    ("people.sms_never", "nooit", "never"),
    ("people.sms_urgent_only", "alleen spoed", "urgent only"),
    ("people.sms_always", "altijd", "always"),
    (
        "people.sms_needs_mobile",
        "Voor sms is een mobiel nummer nodig.",
        "SMS needs a mobile number.",
    ),
    (
        "people.reachable",
        "Bereikbaar: bellers mogen worden doorverbonden",
        "Reachable: callers may be put through",
    ),
    ("people.transfers", "Doorverbinden", "Transfers"),
    (
        "people.add_employee",
        "Medewerker toevoegen",
        "Add an employee",
    ),
    ("people.add", "Toevoegen", "Add"),
    ("people.callers", "Bekende bellers", "Known callers"),
    (
        "people.callers_hint",
        "De telefoniste ziet bij een bekende beller wie het is en uw opmerkingen; ★ extra aandacht.",
        "With a known caller the operator sees who it is and your remarks; ★ extra attention.",
    ),
    ("people.number", "Telefoonnummer", "Phone number"),
    (
        "people.remarks",
        "Opmerkingen voor de telefoniste",
        "Remarks for the operator",
    ),
    (
        "people.vip",
        "Extra aandacht (VIP)",
        "Extra attention (VIP)",
    ),
    (
        "people.add_caller",
        "Bekende beller toevoegen",
        "Add a known caller",
    ),
    (
        "delivery.general",
        "Algemene e-mailadressen",
        "General e-mail addresses",
    ),
    (
        "delivery.general_hint",
        "Hier komen notities die voor niemand in het bijzonder zijn, en de dagelijkse lijst.",
        "Notes for nobody in particular come here, and the daily list.",
    ),
    (
        "delivery.digest",
        "Dagelijkse lijst van gesprekken",
        "Daily list of calls",
    ),
    (
        "delivery.digest_on",
        "Stuur elke dag een lijst van alle gesprekken",
        "Send a list of all calls every day",
    ),
    ("delivery.digest_at", "Tijdstip (UU:MM)", "Time (HH:MM)"),
    (
        "delivery.digest_empty",
        "Ook op dagen zonder gesprekken",
        "Also on days without calls",
    ),
    ("delivery.per_employee", "Per medewerker", "Per employee"),
    ("delivery.test", "Testbericht", "Test message"),
    ("delivery.test_to", "Naar", "To"),
    (
        "delivery.test_send",
        "Stuur een testbericht",
        "Send a test message",
    ),
    (
        "delivery.not_on_file",
        "Een testbericht gaat alleen naar een adres dat hier bekend is.",
        "A test message goes only to an address known here.",
    ),
    (
        "delivery.saved_addresses",
        "De algemene adressen zijn opgeslagen.",
        "The general addresses are saved.",
    ),
    (
        "delivery.saved_digest",
        "De dagelijkse lijst is ingesteld.",
        "The daily list is set.",
    ),
    (
        "delivery.test_queued",
        "Het testbericht is onderweg.",
        "The test message is on its way.",
    ),
    ("portal.code_title", "Inlogcode", "Login code"),
    (
        "portal.code_explain",
        "Vul de code van zes cijfers uit uw app in, of een van uw herstelcodes.",
        "Fill in the six-digit code from your app, or one of your recovery codes.",
    ),
    ("portal.code", "Code", "Code"),
    ("portal.code_submit", "Inloggen", "Log in"),
    (
        "portal.code_wrong",
        "Die code klopt niet (of is al gebruikt).",
        "That code is not right (or was used already).",
    ),
    ("portal.security_title", "Beveiliging", "Security"),
    (
        "portal.totp_on",
        "Tweestapsverificatie staat aan: na uw wachtwoord vraagt het portaal een code uit uw app.",
        "Two-step verification is on: after your password the portal asks for a code from your app.",
    ),
    (
        "portal.totp_off",
        "Tweestapsverificatie staat uit. Zet haar aan met een authenticator-app (bijvoorbeeld FreeOTP, Aegis of Google Authenticator).",
        "Two-step verification is off. Switch it on with an authenticator app (for example FreeOTP, Aegis or Google Authenticator).",
    ),
    ("portal.totp_link", "Open in uw app", "Open in your app"),
    (
        "portal.totp_secret",
        "Of typ deze sleutel in uw app",
        "Or type this key into your app",
    ),
    (
        "portal.totp_confirm",
        "Code uit de app, ter bevestiging",
        "Code from the app, to confirm",
    ),
    (
        "portal.totp_enable",
        "Tweestapsverificatie aanzetten",
        "Switch two-step verification on",
    ),
    (
        "portal.totp_disable",
        "Tweestapsverificatie uitzetten",
        "Switch two-step verification off",
    ),
    (
        "portal.totp_current",
        "Huidige code uit de app",
        "Current code from the app",
    ),
    (
        "portal.recovery",
        "Uw herstelcodes: bewaar ze op een veilige plek. Elke code werkt één keer, als u uw telefoon niet bij de hand hebt. Ze worden maar één keer getoond.",
        "Your recovery codes: keep them somewhere safe. Each works once, when you do not have your phone at hand. They are shown only this once.",
    ),
    ("portal.agenda_title", "Agenda's", "Agendas"),
    (
        "agenda.explain",
        "Deel de agenda van een medewerker: dan ziet de telefoniste wie er nu in een afspraak zit, en tot hoe laat. Alleen de tijden worden bewaard, niet waar de afspraken over gaan.",
        "Share an employee's agenda: the operator then sees who is in an appointment now, and until when. Only the times are kept, not what the appointments are about.",
    ),
    ("agenda.none", "Geen agenda gedeeld.", "No agenda shared."),
    (
        "agenda.by_url",
        "Gedeeld via een link; het portaal leest hem elk kwartier.",
        "Shared by a link; the portal reads it every quarter of an hour.",
    ),
    (
        "agenda.by_upload",
        "Gedeeld als bestand (de komende twee weken).",
        "Shared as a file (the coming two weeks).",
    ),
    ("agenda.read_at", "gelezen", "read"),
    (
        "agenda.last_error",
        "Laatste keer niet gelezen",
        "Last time not read",
    ),
    ("agenda.busy", "Bezet", "Busy"),
    (
        "agenda.url",
        "Link naar de agenda (iCalendar, .ics)",
        "Link to the agenda (iCalendar, .ics)",
    ),
    (
        "agenda.upload",
        "Of kies een .ics-bestand",
        "Or choose an .ics file",
    ),
    (
        "agenda.paste",
        "Inhoud van het bestand",
        "The file's content",
    ),
    ("agenda.read", "Bestand inlezen", "Read the file"),
    (
        "agenda.remove",
        "Agenda niet meer delen",
        "Stop sharing the agenda",
    ),
    ("pop.busy", "afspraak tot", "appointment until"),
    (
        "portal.forgot_title",
        "Wachtwoord vergeten?",
        "Forgot your password?",
    ),
    (
        "portal.forgot_explain",
        "Vul uw e-mailadres in: u krijgt een link waarmee u een nieuw wachtwoord kiest (één keer te gebruiken, 24 uur lang).",
        "Fill in your e-mail address: you get a link to choose a new password with (usable once, for 24 hours).",
    ),
    ("portal.forgot_submit", "Stuur de link", "Send the link"),
    (
        "portal.forgot_sent",
        "Als dit adres bij ons bekend is, is er nu een e-mail met een link onderweg.",
        "If we know this address, an e-mail with a link is on its way now.",
    ),
    (
        "portal.change_password",
        "Wachtwoord wijzigen",
        "Change the password",
    ),
    (
        "portal.password_current",
        "Huidig wachtwoord",
        "Current password",
    ),
    (
        "portal.password_wrong",
        "Het huidige wachtwoord klopt niet.",
        "The current password is not right.",
    ),
    (
        "portal.two_step",
        "Tweestapsverificatie",
        "Two-step verification",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_switch_beats_the_browser_and_dutch_is_the_default() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::from_headers(&headers), Lang::Nl);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-GB,en;q=0.9,nl;q=0.8"),
        );
        assert_eq!(Lang::from_headers(&headers), Lang::En);
        headers.insert(header::COOKIE, HeaderValue::from_static("lang=nl"));
        assert_eq!(Lang::from_headers(&headers), Lang::Nl);
    }

    #[test]
    fn every_key_has_both_languages() {
        for (key, nl, en) in TEXTS {
            assert!(!nl.is_empty() && !en.is_empty(), "{key}");
        }
        assert_eq!(Lang::En.t("login.title"), "Log in");
        assert_eq!(Lang::Nl.t("no.such.key"), "??");
        let mut keys: Vec<&str> = TEXTS.iter().map(|(key, _, _)| *key).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before, "a key is listed twice");
    }

    #[test]
    fn every_key_a_template_names_has_texts() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files = vec![dir.clone()];
        let mut checked = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (_, rest) in text
                .match_indices(".t(\"")
                .map(|(i, _)| text.split_at(i + 4))
            {
                let key = &rest[..rest.find('"').unwrap()];
                assert_ne!(Lang::Nl.t(key), "??", "{key} in {}", path.display());
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} keys found");
    }
}
