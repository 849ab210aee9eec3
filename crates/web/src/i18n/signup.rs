//! The sign-up's texts: the public form, its outcomes and the mails it sends.

/// (key, Dutch, English).
pub(super) const TEXTS: &[(&str, &str, &str)] = &[
    ("signup.title", "Aanmelden", "Sign up"),
    (
        "signup.intro",
        "Meld uw bedrijf aan: u krijgt meteen uw doorschakelnummer en de codes om uw telefoon door te schakelen. Vanaf dan nemen onze telefonistes op in uw naam.",
        "Sign up your business: you get your forwarding number and the codes to forward your phone at once. From then on our operators answer in your name.",
    ),
    ("signup.company", "Bedrijfsnaam", "Company name"),
    ("signup.contact", "Contactpersoon", "Contact person"),
    ("signup.email", "E-mailadres", "E-mail address"),
    ("signup.phone", "Telefoonnummer", "Phone number"),
    ("signup.address", "Adres", "Address"),
    (
        "signup.kvk",
        "KvK-nummer (niet verplicht)",
        "KvK number (optional)",
    ),
    ("signup.line", "Soort lijn", "Kind of line"),
    ("signup.plan", "Abonnement", "Plan"),
    (
        "signup.plan_detail",
        "per maand, {calls} gesprekken inbegrepen, daarna {extra} per gesprek (excl. btw)",
        "a month, {calls} calls included, then {extra} a call (excl. VAT)",
    ),
    (
        "signup.terms",
        "Ik ga akkoord met de algemene voorwaarden",
        "I accept the terms and conditions",
    ),
    ("signup.submit", "Aanmelden", "Sign up"),
    (
        "signup.honeypot",
        "Laat dit veld leeg",
        "Leave this field empty",
    ),
    ("signup.error", "Controleer dit veld", "Check this field"),
    (
        "signup.email_taken",
        "Dit e-mailadres heeft al een login voor het klantenportaal. Log daar in, of gebruik een ander adres.",
        "This e-mail address has a customer portal login already. Log in there, or use another address.",
    ),
    (
        "signup.throttled",
        "Er zijn vanaf uw adres te veel aanmeldingen gedaan. Probeer het over een uur opnieuw, of bel ons.",
        "Too many sign-ups came from your address. Try again in an hour, or call us.",
    ),
    ("signup.active_title", "Welkom!", "Welcome!"),
    (
        "signup.your_number",
        "Uw doorschakelnummer",
        "Your forwarding number",
    ),
    (
        "signup.active_mail",
        "We hebben u een e-mail gestuurd met deze codes en een link om uw wachtwoord voor het klantenportaal te kiezen.",
        "We have sent you an e-mail with these codes and a link to choose your password for the customer portal.",
    ),
    (
        "signup.codes",
        "Zo schakelt u uw telefoon door",
        "How to forward your phone",
    ),
    (
        "signup.pending_title",
        "Bedankt voor uw aanmelding",
        "Thank you for signing up",
    ),
    (
        "signup.pending",
        "Op dit moment hebben we geen doorschakelnummer vrij. We nemen binnen één werkdag contact met u op.",
        "We have no forwarding number free at the moment. We will contact you within one working day.",
    ),
    (
        "signup.check_title",
        "Bevestig uw e-mailadres",
        "Confirm your e-mail address",
    ),
    (
        "signup.check",
        "We hebben u een e-mail gestuurd. Klik op de link daarin (24 uur geldig); daarna krijgt u meteen uw doorschakelnummer.",
        "We have sent you an e-mail. Click the link in it (valid for 24 hours); then you get your forwarding number at once.",
    ),
    (
        "signup.link_unusable",
        "Deze link werkt niet meer: hij is al gebruikt of verlopen. Meld u opnieuw aan.",
        "This link no longer works: it was used already or has expired. Please sign up again.",
    ),
    (
        "signup.unavailable",
        "Aanmelden lukt op dit moment niet. Probeer het later opnieuw.",
        "Signing up is not possible right now. Please try again later.",
    ),
    // The mails.
    (
        "mail.welcome_subject",
        "Welkom bij de antwoordservice — uw doorschakelnummer",
        "Welcome to the answering service — your forwarding number",
    ),
    ("mail.dear", "Beste", "Dear"),
    (
        "mail.welcome_intro",
        "Welkom! Vanaf nu nemen onze telefonistes de telefoon op voor",
        "Welcome! From now on our operators answer the phone for",
    ),
    ("mail.switch_on", "aan", "on"),
    ("mail.switch_off", "uit", "off"),
    (
        "mail.welcome_password",
        "Kies uw wachtwoord voor het klantenportaal (de link werkt één keer, 24 uur lang):",
        "Choose your password for the customer portal (the link works once, for 24 hours):",
    ),
    (
        "mail.welcome_portal",
        "Daarna logt u in op het klantenportaal. Daar ziet u wat de telefoniste ziet, past u uw instructies aan en leest u alle gespreksnotities:",
        "Then you log in to the customer portal. There you see what the operator sees, change your instructions and read every call note:",
    ),
    (
        "mail.confirm_subject",
        "Bevestig uw aanmelding bij de antwoordservice",
        "Confirm your sign-up with the answering service",
    ),
    (
        "mail.confirm",
        "Bevestig uw e-mailadres met deze link (24 uur geldig); daarna krijgt u meteen uw doorschakelnummer:",
        "Confirm your e-mail address with this link (valid for 24 hours); then you get your forwarding number at once:",
    ),
    (
        "mail.not_you",
        "Hebt u zich niet aangemeld? Dan kunt u dit bericht negeren.",
        "Did you not sign up? Then you can ignore this message.",
    ),
];
