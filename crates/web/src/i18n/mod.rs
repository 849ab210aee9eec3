//! Dutch and English for the pages: the language comes from a `lang` cookie (the switch),
//! else the browser's `Accept-Language`, else Dutch.

mod bureau;
mod portal;
mod signup;

use axum::http::{HeaderMap, header};
use centrale_core::Language;
use centrale_core::forwarding::{Condition, LineType};

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

    /// The label of a kind of line a client forwards from.
    pub fn line(self, line: &LineType) -> &'static str {
        self.t(match *line {
            LineType::Analog => "line.analog",
            LineType::Isdn => "line.isdn",
            LineType::Upc => "line.upc",
            LineType::Mobile => "line.mobile",
            LineType::Pbx => "line.pbx",
        })
    }

    /// The label of a forwarding condition.
    pub fn condition(self, condition: &Condition) -> &'static str {
        self.t(match *condition {
            Condition::Always => "forward.always",
            Condition::Busy => "forward.busy",
            Condition::NoAnswer => "forward.no_answer",
            Condition::Unreachable => "forward.unreachable",
            Condition::AllConditional => "forward.all_conditional",
            Condition::CancelAll => "forward.cancel_all",
        })
    }

    /// The client's language as the pages speak it.
    pub fn of(language: Language) -> Self {
        match language {
            Language::Nl => Self::Nl,
            Language::En => Self::En,
        }
    }

    /// The pages' language as a client's.
    pub fn language(self) -> Language {
        match self {
            Self::Nl => Language::Nl,
            Self::En => Language::En,
        }
    }

    /// The text for `key`; the key itself when it has none (visible, never a crash).
    pub fn t(self, key: &str) -> &'static str {
        all()
            .find(|(k, _, _)| *k == key)
            .map_or("??", |(_, nl, en)| if self == Self::Nl { nl } else { en })
    }
}

/// Every text: the console's and wallboard's here, the portal's in [`portal`], the sign-up's
/// in [`signup`].
fn all() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    TEXTS
        .iter()
        .chain(portal::TEXTS)
        .chain(signup::TEXTS)
        .chain(bureau::TEXTS)
}

/// (key, Dutch, English): the console, the wallboard, the logins, the screen pop.
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
    ("wall.signups", "Aanmeldingen", "Sign-ups"),
    (
        "wall.signups_none",
        "Geen nieuwe aanmeldingen.",
        "No new sign-ups.",
    ),
    (
        "wall.signup_waiting",
        "wacht op een nummer",
        "waiting for a number",
    ),
    (
        "wall.failed_none",
        "Geen: alle notities zijn bezorgd of onderweg.",
        "None: every note is delivered or on its way.",
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
        for (key, nl, en) in all() {
            assert!(!nl.is_empty() && !en.is_empty(), "{key}");
        }
        assert_eq!(Lang::En.t("login.title"), "Log in");
        assert_eq!(Lang::Nl.t("no.such.key"), "??");
        let mut keys: Vec<&str> = all().map(|(key, _, _)| *key).collect();
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
