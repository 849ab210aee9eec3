//! The mails a sign-up sends, in the client's language: the confirmation link, the welcome
//! with the forwarding number and the codes for the client's own line (from
//! `core::forwarding`, the table the portal's help page reads), and supervisors' alerts.

use crate::i18n::Lang;
use centrale_core::forwarding::{self, LineType, RingSeconds};
use centrale_core::mail::{MailDraft, MailPurpose};
use centrale_core::signup::{Signup, SignupDraft};
use centrale_core::{EmailAddress, PhoneNumber};

/// The codes for `line` with `number` filled in, one line each ("Altijd: aan *21*0852001005#,
/// uit #21#"); for a PBX, how to set its overflow.
pub fn codes_text(lang: Lang, line: LineType, number: &PhoneNumber) -> Vec<String> {
    let dialled = forwarding::dialled(number);
    let codes = forwarding::codes(line, number, RingSeconds::DEFAULT);
    if codes.is_empty() {
        return vec![format!("{} {dialled}.", lang.t("portal.pbx_help"))];
    }
    codes
        .iter()
        .map(|code| {
            let on = if code.on.is_empty() {
                String::new()
            } else {
                format!("{} {}, ", lang.t("mail.switch_on"), code.on)
            };
            format!(
                "{}: {on}{} {}",
                lang.condition(&code.condition),
                lang.t("mail.switch_off"),
                code.off
            )
        })
        .collect()
}

/// The welcome: the number, the codes, the set-password link and the portal's address.
pub fn welcome(draft: &SignupDraft, number: &PhoneNumber, link: &str, portal: &str) -> MailDraft {
    let lang = Lang::of(draft.language);
    let codes = codes_text(lang, draft.line, number)
        .iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n");
    let body = format!(
        "{dear} {contact},\n\n{intro} {company}.\n\n{your_number}: {dialled} ({number})\n\n\
         {how} ({line}):\n{codes}\n\n{password}\n{link}\n\n{then}\n{portal}\n",
        dear = lang.t("mail.dear"),
        contact = draft.contact,
        intro = lang.t("mail.welcome_intro"),
        company = draft.company,
        your_number = lang.t("signup.your_number"),
        dialled = forwarding::dialled(number),
        how = lang.t("signup.codes"),
        line = lang.line(&draft.line),
        password = lang.t("mail.welcome_password"),
        then = lang.t("mail.welcome_portal"),
    );
    MailDraft {
        purpose: MailPurpose::Welcome,
        to: draft.email.clone(),
        subject: format!(
            "{} {}",
            lang.t("mail.welcome_subject"),
            forwarding::dialled(number)
        ),
        body,
    }
}

/// The link that confirms the address before the number is given.
pub fn confirmation(draft: &SignupDraft, link: &str) -> MailDraft {
    let lang = Lang::of(draft.language);
    MailDraft {
        purpose: MailPurpose::ConfirmSignup,
        to: draft.email.clone(),
        subject: lang.t("mail.confirm_subject").to_owned(),
        body: format!(
            "{} {},\n\n{}\n\n{link}\n\n{}\n",
            lang.t("mail.dear"),
            draft.contact,
            lang.t("mail.confirm"),
            lang.t("mail.not_you")
        ),
    }
}

/// Tells each supervisor of a sign-up: active with `number`, or waiting for one (Dutch, the
/// bureau's language).
pub fn alerts(
    supervisors: &[EmailAddress],
    signup: &Signup,
    number: Option<&PhoneNumber>,
) -> Vec<MailDraft> {
    let d = &signup.draft;
    let (subject, state) = match number {
        Some(number) => (
            format!("Nieuwe klant aangemeld: {}", d.company),
            format!(
                "Actief met doorschakelnummer {} ({number}).",
                forwarding::dialled(number)
            ),
        ),
        None => (
            format!("Aanmelding wacht op een nummer: {}", d.company),
            "De nummerpool heeft geen vrij nummer: vul de pool aan en maak de aanmelding af. \
             We hebben de klant beloofd binnen één werkdag contact op te nemen."
                .to_owned(),
        ),
    };
    let body = format!(
        "{state}\n\nBedrijf: {}\nContactpersoon: {}\nE-mail: {}\nTelefoon: {}\nAdres: {}\nKvK: {}\n\
         Lijn: {}\nAbonnement: {}\n",
        d.company,
        d.contact,
        d.email,
        d.phone,
        d.address,
        d.kvk.as_deref().unwrap_or("—"),
        Lang::Nl.line(&d.line),
        d.plan,
    );
    supervisors
        .iter()
        .map(|to| MailDraft {
            purpose: MailPurpose::SignupAlert,
            to: to.clone(),
            subject: subject.clone(),
            body: body.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> PhoneNumber {
        PhoneNumber::parse("+31852001005").unwrap()
    }

    #[test]
    fn the_codes_are_those_of_the_line_with_the_number_filled_in() {
        let analog = codes_text(Lang::Nl, LineType::Analog, &number());
        assert_eq!(analog[0], "Altijd: aan *21*0852001005#, uit #21#");
        assert_eq!(analog.len(), 3);
        let mobile = codes_text(Lang::En, LineType::Mobile, &number());
        assert!(mobile.contains(&"On no answer: on *61*0852001005*20#, off #61#".to_owned()));
        assert!(mobile.iter().any(|l| l.ends_with("off ##002#")));
        let pbx = codes_text(Lang::Nl, LineType::Pbx, &number());
        assert!(pbx[0].contains("telefooncentrale") && pbx[0].ends_with("0852001005."));
    }
}
