//! The recipient rules and note validation, one test per rule.
use super::*;
use crate::{ClientDraft, EmailAddress, EmployeeDraft};

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

fn client(emails: &[&str]) -> Client {
    Client {
        id: ClientId::new(),
        draft: ClientDraft {
            name: "Bakkerij".into(),
            greeting: "Goedemorgen".into(),
            emails: emails.iter().map(|e| email(e)).collect(),
            time_zone: Default::default(),
            language: Default::default(),
            status: Default::default(),
            sms_default: Default::default(),
            transfers: Default::default(),
        },
        created_at: Utc::now(),
    }
}

fn employee(client: &Client, emails: &[&str], mobile: &str, sms: SmsPreference) -> Employee {
    Employee {
        id: EmployeeId::new(),
        client_id: client.id,
        draft: EmployeeDraft {
            name: "Piet".into(),
            role: String::new(),
            emails: emails.iter().map(|e| email(e)).collect(),
            mobile: Some(PhoneNumber::parse(mobile).unwrap()),
            landline: None,
            reachable: true,
            sms,
        },
    }
}

fn note(for_employees: &[&Employee], urgent: bool) -> NoteDraft {
    NoteDraft {
        message: "Please call back".into(),
        for_employees: for_employees.iter().map(|e| e.id).collect(),
        urgent,
        ..NoteDraft::default()
    }
}

/// Whom a note goes to under instructions without overrides or emergency steps.
fn plain(note: &NoteDraft, client: &Client, employees: &[Employee]) -> Vec<Recipient> {
    recipients(note, client, employees, &InstructionContent::default())
}

fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).unwrap()
}

fn with(overrides: Vec<DeliveryOverride>, emergency: Vec<EmergencyStep>) -> InstructionContent {
    InstructionContent {
        delivery_overrides: overrides,
        emergency,
        ..InstructionContent::default()
    }
}

fn to(recipients: &[Recipient]) -> Vec<(Channel, &str)> {
    recipients
        .iter()
        .map(|r| (r.channel, r.to.as_str()))
        .collect()
}

#[test]
fn employees_get_mail_and_sms_as_they_prefer() {
    let c = client(&["info@bakkerij.nl"]);
    let piet = employee(
        &c,
        &["piet@bakkerij.nl", "p@home.nl"],
        "0612345678",
        SmsPreference::UrgentOnly,
    );
    let anna = employee(
        &c,
        &["anna@bakkerij.nl"],
        "0687654321",
        SmsPreference::Always,
    );
    let kees = employee(
        &c,
        &["kees@bakkerij.nl"],
        "0611111111",
        SmsPreference::Never,
    );
    let staff = [piet.clone(), anna.clone(), kees.clone()];

    let calm = plain(&note(&[&piet, &anna, &kees], false), &c, &staff);
    assert_eq!(
        to(&calm),
        vec![
            (Channel::Email, "piet@bakkerij.nl"),
            (Channel::Email, "p@home.nl"),
            (Channel::Email, "anna@bakkerij.nl"),
            (Channel::Email, "kees@bakkerij.nl"),
            (Channel::Sms, "+31687654321"),
        ]
    );
    assert_eq!(calm[0].employee_id, Some(piet.id));
    assert_eq!(calm[4].employee_id, Some(anna.id));

    let urgent = plain(&note(&[&piet, &kees], true), &c, &staff);
    assert_eq!(
        to(&urgent),
        vec![
            (Channel::Email, "piet@bakkerij.nl"),
            (Channel::Email, "p@home.nl"),
            (Channel::Email, "kees@bakkerij.nl"),
            (Channel::Sms, "+31612345678"),
        ]
    );
}

#[test]
fn general_addresses_when_asked_or_nobody_named() {
    let c = client(&["info@bakkerij.nl", "piet@bakkerij.nl"]);
    let piet = employee(
        &c,
        &["piet@bakkerij.nl"],
        "0612345678",
        SmsPreference::Never,
    );
    let staff = [piet.clone()];

    let nobody = plain(&note(&[], true), &c, &staff);
    assert_eq!(
        to(&nobody),
        vec![
            (Channel::Email, "info@bakkerij.nl"),
            (Channel::Email, "piet@bakkerij.nl"),
        ]
    );
    assert!(nobody.iter().all(|r| r.employee_id.is_none()));

    // Piet's address is also a general one: he gets it once, as himself.
    let both = NoteDraft {
        for_general: true,
        ..note(&[&piet], false)
    };
    let both = plain(&both, &c, &staff);
    assert_eq!(
        to(&both),
        vec![
            (Channel::Email, "piet@bakkerij.nl"),
            (Channel::Email, "info@bakkerij.nl"),
        ]
    );
    assert_eq!(both[0].employee_id, Some(piet.id));

    assert_eq!(to(&plain(&note(&[&piet], false), &c, &staff)).len(), 1);
}

#[test]
fn an_employee_without_mail_falls_back_to_the_general_address() {
    let c = client(&["info@bakkerij.nl"]);
    let jan = employee(&c, &[], "0612345678", SmsPreference::Always);
    let got = plain(&note(&[&jan], false), &c, std::slice::from_ref(&jan));
    assert_eq!(
        to(&got),
        vec![
            (Channel::Email, "info@bakkerij.nl"),
            (Channel::Sms, "+31612345678"),
        ]
    );
    // Unknown ids are ignored; a client without addresses gets nothing by mail.
    let bare = client(&[]);
    assert!(plain(&note(&[&jan], false), &bare, &[]).is_empty());
}

#[test]
fn also_email_adds_addresses_to_every_note() {
    let c = client(&["info@bakkerij.nl"]);
    let piet = employee(
        &c,
        &["piet@bakkerij.nl"],
        "0612345678",
        SmsPreference::Never,
    );
    let staff = [piet.clone()];
    let set = with(
        vec![
            DeliveryOverride::AlsoEmail {
                to: email("boekhouder@example.nl"),
            },
            // Already Piet's: not twice.
            DeliveryOverride::AlsoEmail {
                to: email("piet@bakkerij.nl"),
            },
        ],
        vec![],
    );
    let got = recipients(&note(&[&piet], false), &c, &staff, &set);
    assert_eq!(
        to(&got),
        vec![
            (Channel::Email, "piet@bakkerij.nl"),
            (Channel::Email, "boekhouder@example.nl"),
        ]
    );
    assert_eq!(got[0].employee_id, Some(piet.id));
    assert_eq!(got[1].employee_id, None);
    let general = recipients(&note(&[], false), &c, &staff, &set);
    assert_eq!(
        to(&general),
        vec![
            (Channel::Email, "info@bakkerij.nl"),
            (Channel::Email, "boekhouder@example.nl"),
            (Channel::Email, "piet@bakkerij.nl"),
        ]
    );
}

#[test]
fn all_by_sms_replaces_the_employees_mail_and_sms() {
    let c = client(&["info@bakkerij.nl"]);
    let piet = employee(
        &c,
        &["piet@bakkerij.nl"],
        "0612345678",
        SmsPreference::Always,
    );
    let staff = [piet.clone()];
    let set = with(
        vec![
            DeliveryOverride::AllBySms {
                to: phone("0655555555"),
            },
            DeliveryOverride::AlsoEmail {
                to: email("archief@bakkerij.nl"),
            },
        ],
        vec![],
    );
    let got = recipients(&note(&[&piet], false), &c, &staff, &set);
    assert_eq!(
        to(&got),
        vec![
            (Channel::Email, "archief@bakkerij.nl"),
            (Channel::Sms, "+31655555555"),
        ]
    );
    assert_eq!(got[1].employee_id, None);
    // A note for the general address keeps its e-mail; the SMS goes as well.
    let general = NoteDraft {
        for_general: true,
        ..note(&[], false)
    };
    assert_eq!(
        to(&recipients(&general, &c, &staff, &set)),
        vec![
            (Channel::Email, "info@bakkerij.nl"),
            (Channel::Email, "archief@bakkerij.nl"),
            (Channel::Sms, "+31655555555"),
        ]
    );
}

#[test]
fn all_to_employee_sends_notes_for_anyone_to_the_colleague() {
    let c = client(&["info@bakkerij.nl"]);
    let piet = employee(
        &c,
        &["piet@bakkerij.nl"],
        "0612345678",
        SmsPreference::Always,
    );
    let anna = employee(
        &c,
        &["anna@bakkerij.nl"],
        "0687654321",
        SmsPreference::UrgentOnly,
    );
    let staff = [piet.clone(), anna.clone()];
    let set = with(
        vec![
            // Not the client's employee: ignored, the next one counts.
            DeliveryOverride::AllToEmployee {
                employee: EmployeeId::new(),
            },
            DeliveryOverride::AllToEmployee { employee: anna.id },
        ],
        vec![],
    );
    // Anna's mail, and her own SMS preference (urgent only): not Piet's "always".
    let calm = recipients(&note(&[&piet], false), &c, &staff, &set);
    assert_eq!(to(&calm), vec![(Channel::Email, "anna@bakkerij.nl")]);
    assert_eq!(calm[0].employee_id, Some(anna.id));
    let urgent = recipients(&note(&[&piet, &anna], true), &c, &staff, &set);
    assert_eq!(
        to(&urgent),
        vec![
            (Channel::Email, "anna@bakkerij.nl"),
            (Channel::Sms, "+31687654321"),
        ]
    );
    // A note for nobody in particular still goes to the general address.
    assert_eq!(
        to(&recipients(&note(&[], false), &c, &staff, &set)),
        vec![(Channel::Email, "info@bakkerij.nl")]
    );
    // With AllBySms as well, the SMS number replaces the colleague too.
    let both = with(
        vec![
            DeliveryOverride::AllToEmployee { employee: anna.id },
            DeliveryOverride::AllBySms {
                to: phone("0655555555"),
            },
        ],
        vec![],
    );
    assert_eq!(
        to(&recipients(&note(&[&piet], true), &c, &staff, &both)),
        vec![(Channel::Sms, "+31655555555")]
    );
}

#[test]
fn urgent_notes_follow_the_emergency_sms_steps() {
    let c = client(&["info@bakkerij.nl"]);
    let piet = employee(
        &c,
        &["piet@bakkerij.nl"],
        "0612345678",
        SmsPreference::UrgentOnly,
    );
    let staff = [piet.clone()];
    let set = with(
        vec![],
        vec![
            EmergencyStep::Call {
                to: phone("0611111111"),
                name: "Sara".into(),
            },
            EmergencyStep::Sms {
                to: phone("0622222222"),
            },
            EmergencyStep::Voicemail {
                to: phone("0633333333"),
            },
            // Piet's own mobile: once, as Piet's.
            EmergencyStep::Sms {
                to: phone("0612345678"),
            },
        ],
    );
    let urgent = recipients(&note(&[&piet], true), &c, &staff, &set);
    assert_eq!(
        to(&urgent),
        vec![
            (Channel::Email, "piet@bakkerij.nl"),
            (Channel::Sms, "+31612345678"),
            (Channel::Sms, "+31622222222"),
        ]
    );
    assert_eq!(urgent[1].employee_id, Some(piet.id));
    assert_eq!(urgent[2].employee_id, None);
    assert_eq!(
        to(&recipients(&note(&[&piet], false), &c, &staff, &set)),
        vec![(Channel::Email, "piet@bakkerij.nl")]
    );
}

#[test]
fn the_clients_default_applies_to_general_notes_only() {
    let mut c = client(&["info@bakkerij.nl"]);
    c.draft.sms_default = SmsPreference::Always;
    let kees = employee(
        &c,
        &["kees@bakkerij.nl"],
        "0611111111",
        SmsPreference::Never,
    );
    let staff = [kees.clone()];
    let set = with(
        vec![],
        vec![EmergencyStep::Sms {
            to: phone("0622222222"),
        }],
    );
    // Kees said never: the client's "always" does not override him.
    assert_eq!(
        to(&recipients(&note(&[&kees], false), &c, &staff, &set)),
        vec![(Channel::Email, "kees@bakkerij.nl")]
    );
    // A general note (or one for nobody) goes by SMS as the client's default says.
    let general = NoteDraft {
        for_general: true,
        ..note(&[&kees], false)
    };
    assert_eq!(
        to(&recipients(&general, &c, &staff, &set)),
        vec![
            (Channel::Email, "kees@bakkerij.nl"),
            (Channel::Email, "info@bakkerij.nl"),
            (Channel::Sms, "+31622222222"),
        ]
    );
    c.draft.sms_default = SmsPreference::UrgentOnly;
    assert_eq!(
        to(&recipients(&note(&[], false), &c, &staff, &set)),
        vec![(Channel::Email, "info@bakkerij.nl")]
    );
    // Without SMS steps there is no number for the default to use.
    c.draft.sms_default = SmsPreference::Always;
    assert_eq!(
        to(&plain(&note(&[], false), &c, &staff)),
        vec![(Channel::Email, "info@bakkerij.nl")]
    );
}

#[test]
fn validation() {
    let ok = NoteDraft {
        caller_name: "  Marie <b>de Vries</b> ".into(),
        callback_wish: Some("   ".into()),
        actions: vec!["transferred".into(), " ".into()],
        ..NoteDraft::default()
    }
    .validate()
    .unwrap();
    assert_eq!(ok.caller_name, "Marie <b>de Vries</b>");
    assert_eq!(ok.callback_wish, None);
    assert_eq!(ok.actions, vec!["transferred".to_owned()]);

    let field = |draft: NoteDraft| match draft.validate() {
        Err(Error::Invalid { field, .. }) => field,
        other => panic!("expected invalid, got {other:?}"),
    };
    assert_eq!(field(NoteDraft::default()), "message");
    assert_eq!(
        field(NoteDraft {
            message: " \n ".into(),
            ..NoteDraft::default()
        }),
        "message"
    );
    assert_eq!(
        field(NoteDraft {
            message: "x".repeat(MAX_MESSAGE_LEN + 1),
            ..NoteDraft::default()
        }),
        "message"
    );
    assert!(
        NoteDraft {
            message: "é".repeat(MAX_MESSAGE_LEN),
            ..NoteDraft::default()
        }
        .validate()
        .is_ok()
    );
    assert_eq!(
        field(NoteDraft {
            caller_name: "x".repeat(MAX_NAME_LEN + 1),
            ..NoteDraft::default()
        }),
        "caller_name"
    );
    assert_eq!(
        field(NoteDraft {
            message: "m".into(),
            caller_company: "x".repeat(MAX_NAME_LEN + 1),
            ..NoteDraft::default()
        }),
        "caller_company"
    );
    assert_eq!(
        field(NoteDraft {
            message: "m".into(),
            callback_wish: Some("x".repeat(MAX_CALLBACK_LEN + 1)),
            ..NoteDraft::default()
        }),
        "callback_wish"
    );
    assert_eq!(
        field(NoteDraft {
            message: "m".into(),
            actions: vec!["ok".into(), "x".repeat(MAX_ACTION_LEN + 1)],
            ..NoteDraft::default()
        }),
        "actions[1]"
    );
}

#[test]
fn employees_must_be_the_clients() {
    let c = client(&[]);
    let piet = employee(&c, &[], "0612345678", SmsPreference::Never);
    let stranger = EmployeeId::new();
    let draft = NoteDraft {
        message: "m".into(),
        for_employees: vec![piet.id, piet.id, stranger],
        ..NoteDraft::default()
    }
    .validate()
    .unwrap();
    assert_eq!(draft.for_employees, vec![piet.id, stranger]);
    assert!(matches!(
        draft.check_employees(std::slice::from_ref(&piet)),
        Err(Error::Invalid { field, .. }) if field == "for_employees[1]"
    ));
}
