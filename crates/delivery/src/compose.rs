//! What a note says in an e-mail or an SMS, in the client's language (nl/en) and zone.
//! Every field is escaped in the HTML part: a note is text as typed, never markup.

use crate::EmailMessage;
use crate::sms::SmsMessage;
use centrale_core::notes::OutboxItem;
use centrale_core::{EmailAddress, Language, PhoneNumber};

/// Longest SMS text composed (two concatenated parts of 160 GSM characters).
const MAX_SMS_CHARS: usize = 306;

/// The words of one language.
struct Words {
    urgent: &'static str,
    subject: &'static str,
    unknown_caller: &'static str,
    heading: &'static str,
    for_whom: &'static str,
    general: &'static str,
    time: &'static str,
    caller: &'static str,
    company: &'static str,
    phone: &'static str,
    callback: &'static str,
    callback_agreed: &'static str,
    actions: &'static str,
    message: &'static str,
    yes: &'static str,
    urgent_label: &'static str,
}

const NL: Words = Words {
    urgent: "SPOED",
    subject: "gespreksnotitie van",
    unknown_caller: "onbekende beller",
    heading: "Gespreksnotitie voor",
    for_whom: "Voor",
    general: "algemeen",
    time: "Tijd",
    caller: "Beller",
    company: "Bedrijf",
    phone: "Telefoon",
    callback: "Terugbellen",
    callback_agreed: "Terugbelverzoek",
    actions: "Gedaan",
    message: "Bericht",
    yes: "ja",
    urgent_label: "Spoed",
};

const EN: Words = Words {
    urgent: "URGENT",
    subject: "call note from",
    unknown_caller: "unknown caller",
    heading: "Call note for",
    for_whom: "For",
    general: "general",
    time: "Time",
    caller: "Caller",
    company: "Company",
    phone: "Phone",
    callback: "Call back",
    callback_agreed: "Callback",
    actions: "Done",
    message: "Message",
    yes: "yes",
    urgent_label: "Urgent",
};

fn words(language: Language) -> &'static Words {
    match language {
        Language::Nl => &NL,
        Language::En => &EN,
    }
}

/// The Message-ID of a delivery's e-mail: the same on every attempt.
pub fn message_id(item: &OutboxItem) -> String {
    format!("<{}@centrale>", item.delivery.id)
}

/// Who called, as one phrase: "Jan Jansen (Jansen Bouw)", or the number, or "unknown".
fn caller(item: &OutboxItem, w: &Words) -> String {
    let draft = &item.note.draft;
    let name = if !draft.caller_name.is_empty() {
        draft.caller_name.clone()
    } else if let Some(phone) = &draft.caller_phone {
        phone.as_str().to_owned()
    } else {
        w.unknown_caller.to_owned()
    };
    if draft.caller_company.is_empty() {
        name
    } else {
        format!("{name} ({})", draft.caller_company)
    }
}

/// The note's fields as (label, value) rows, empty ones left out.
fn rows(item: &OutboxItem, w: &Words) -> Vec<(&'static str, String)> {
    let draft = &item.note.draft;
    let at = item
        .note
        .created_at
        .with_timezone(&item.time_zone.tz())
        .format("%d-%m-%Y %H:%M")
        .to_string();
    let for_whom = if item.employee_names.is_empty() {
        w.general.to_owned()
    } else {
        item.employee_names.join(", ")
    };
    let mut rows = vec![(w.for_whom, for_whom), (w.time, at)];
    if draft.urgent {
        rows.push((w.urgent_label, w.yes.to_owned()));
    }
    let mut add = |label, value: &str| {
        if !value.is_empty() {
            rows.push((label, value.to_owned()));
        }
    };
    add(w.caller, &draft.caller_name);
    add(w.company, &draft.caller_company);
    add(
        w.phone,
        draft.caller_phone.as_ref().map_or("", PhoneNumber::as_str),
    );
    add(w.callback, draft.callback_wish.as_deref().unwrap_or(""));
    add(w.callback_agreed, &callback(item));
    add(w.actions, &draft.actions.join(", "));
    rows
}

/// The agreed callback as the client reads it ("vandaag 14:00–15:00 · Henk van Dijk · …");
/// "today" is the day the note was taken, in the client's zone.
fn callback(item: &OutboxItem) -> String {
    let Some(callback) = &item.note.draft.callback else {
        return String::new();
    };
    let today = item
        .note
        .created_at
        .with_timezone(&item.time_zone.tz())
        .date_naive();
    let with = item.callback_with.as_deref();
    callback.describe(item.language, item.time_zone, today, with)
}

/// Text safe inside HTML elements and attributes.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The e-mail of a delivery to `to`.
pub fn email(item: &OutboxItem, to: EmailAddress) -> EmailMessage {
    let w = words(item.language);
    let draft = &item.note.draft;
    let who = caller(item, w);
    let subject = if draft.urgent {
        format!("{}: {} {who}", w.urgent, w.subject)
    } else {
        format!("{} {who}", capitalised(w.subject))
    };
    let rows = rows(item, w);

    let mut text = format!("{} {}\n\n", w.heading, item.client_name);
    for (label, value) in &rows {
        text.push_str(&format!("{label}: {value}\n"));
    }
    if !draft.message.is_empty() {
        text.push_str(&format!("\n{}:\n{}\n", w.message, draft.message));
    }

    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n\
         <h1 style=\"font-size:1.2em\">{} {}</h1>\n<table>\n",
        escape_html(&subject),
        escape_html(w.heading),
        escape_html(&item.client_name)
    );
    for (label, value) in &rows {
        html.push_str(&format!(
            "<tr><th style=\"text-align:left;padding-right:1em\">{}</th><td>{}</td></tr>\n",
            escape_html(label),
            escape_html(value)
        ));
    }
    html.push_str("</table>\n");
    if !draft.message.is_empty() {
        html.push_str(&format!(
            "<h2 style=\"font-size:1em\">{}</h2>\n<p style=\"white-space:pre-wrap\">{}</p>\n",
            escape_html(w.message),
            escape_html(&draft.message)
        ));
    }
    html.push_str("</body></html>\n");

    EmailMessage {
        message_id: message_id(item),
        to,
        subject,
        text,
        html,
    }
}

/// The SMS of a delivery to `to`: urgency, caller, number and message, cut to two parts.
pub fn sms(item: &OutboxItem, to: PhoneNumber) -> SmsMessage {
    let w = words(item.language);
    let draft = &item.note.draft;
    let mut text = String::new();
    if draft.urgent {
        text.push_str(w.urgent);
        text.push_str(": ");
    }
    text.push_str(&caller(item, w));
    if let Some(phone) = &draft.caller_phone
        && !draft.caller_name.is_empty()
    {
        text.push_str(&format!(" {}", phone.as_str()));
    }
    if !draft.message.is_empty() {
        text.push_str(&format!(": {}", draft.message));
    }
    if let Some(wish) = &draft.callback_wish {
        text.push_str(&format!(" ({}: {wish})", w.callback));
    }
    if draft.callback.is_some() {
        text.push_str(&format!(" ({}: {})", w.callback_agreed, callback(item)));
    }
    if text.chars().count() > MAX_SMS_CHARS {
        text = text.chars().take(MAX_SMS_CHARS - 1).collect();
        text.push('…');
    }
    SmsMessage {
        reference: item.delivery.id.to_string(),
        to,
        text,
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use centrale_core::notes::{
        CallNote, Callback, CallbackTime, Channel, Delivery, DeliveryStatus, NoteDraft,
    };
    use centrale_core::{Actor, ClientId, DeliveryId, EmployeeId, NoteId, TimeZone};
    use chrono::{TimeZone as _, Utc};

    pub(crate) fn item(language: Language, urgent: bool) -> OutboxItem {
        let at = Utc.with_ymd_and_hms(2026, 7, 1, 12, 5, 0).unwrap();
        OutboxItem {
            delivery: Delivery {
                id: DeliveryId::new(),
                channel: Channel::Email,
                recipient: "piet@bakkerij.nl".into(),
                employee_id: None,
                status: DeliveryStatus::Queued,
                created_at: at,
                attempts: 1,
                last_error: None,
                sent_at: None,
            },
            note: CallNote {
                id: NoteId::new(),
                client_id: ClientId::new(),
                call_id: None,
                draft: NoteDraft {
                    caller_name: "Jan <b>Jansen</b>".into(),
                    caller_company: "Jansen Bouw & Zn".into(),
                    caller_phone: Some(PhoneNumber::parse("06 12345678").unwrap()),
                    message: "Offerte van € 1.250 klopt niet; graag terugbellen, Zoë".into(),
                    urgent,
                    callback_wish: Some("na 14:00".into()),
                    actions: vec!["terugbellen afgesproken".into()],
                    ..NoteDraft::default()
                },
                created_by: Actor::system(),
                created_at: at,
                updated_at: at,
                deliveries: vec![],
            },
            client_name: "Bakkerij \"De Molen\"".into(),
            language,
            time_zone: TimeZone::default(),
            employee_names: vec!["Piet".into()],
            callback_with: None,
        }
    }

    #[test]
    fn an_agreed_callback_is_said_in_the_mail_and_the_sms() {
        for (language, said) in [
            (
                Language::Nl,
                "Terugbelverzoek: vandaag 14:00–15:00 · Piet Bakker · +31612345678",
            ),
            (
                Language::En,
                "Callback: today 14:00–15:00 · Piet Bakker · +31612345678",
            ),
        ] {
            let mut item = item(language, false);
            // 12:00–13:00 UTC is 14:00–15:00 in Amsterdam in July; the note is from that day.
            item.note.draft.callback = Some(Callback {
                with: Some(EmployeeId::new()),
                when: CallbackTime::Between {
                    from: Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap(),
                    to: Utc.with_ymd_and_hms(2026, 7, 1, 13, 0, 0).unwrap(),
                },
                number: Some(PhoneNumber::parse("06 12345678").unwrap()),
            });
            item.callback_with = Some("Piet Bakker".into());
            let mail = email(&item, EmailAddress::parse("piet@bakkerij.nl").unwrap());
            assert!(mail.text.contains(said), "{}", mail.text);
            assert!(mail.html.contains("14:00–15:00"), "{}", mail.html);
            let text = sms(&item, PhoneNumber::parse("0612345678").unwrap()).text;
            let (label, rest) = said.split_once(": ").unwrap();
            assert!(text.contains(&format!("({label}: {rest})")), "{text}");
        }
    }

    #[test]
    fn dutch_mail_with_urgency_escaped_html_and_local_time() {
        let item = item(Language::Nl, true);
        let mail = email(&item, EmailAddress::parse("piet@bakkerij.nl").unwrap());
        assert_eq!(
            mail.subject,
            "SPOED: gespreksnotitie van Jan <b>Jansen</b> (Jansen Bouw & Zn)"
        );
        assert_eq!(mail.message_id, format!("<{}@centrale>", item.delivery.id));
        assert!(
            mail.text.contains("Tijd: 01-07-2026 14:05"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("€ 1.250") && mail.text.contains("Zoë"));
        assert!(mail.html.contains("Jan &lt;b&gt;Jansen&lt;/b&gt;"));
        assert!(mail.html.contains("Jansen Bouw &amp; Zn"));
        assert!(mail.html.contains("Bakkerij &quot;De Molen&quot;"));
        assert!(!mail.html.contains("<b>"));
    }

    #[test]
    fn english_mail_without_urgency() {
        let item = item(Language::En, false);
        let mail = email(&item, EmailAddress::parse("piet@bakkerij.nl").unwrap());
        assert_eq!(
            mail.subject,
            "Call note from Jan <b>Jansen</b> (Jansen Bouw & Zn)"
        );
        assert!(mail.text.starts_with("Call note for Bakkerij"));
    }

    #[test]
    fn sms_is_short() {
        let mut item = item(Language::Nl, true);
        item.note.draft.message = "x".repeat(1000);
        let text = sms(&item, PhoneNumber::parse("0612345678").unwrap()).text;
        assert!(text.starts_with("SPOED: Jan <b>Jansen</b> (Jansen Bouw & Zn) +31612345678: x"));
        assert_eq!(text.chars().count(), MAX_SMS_CHARS);
    }
}
