//! Putting a caller through: who may be called from a call (an open SIP server is a
//! toll-fraud target, so every outbound leg is checked here first) and what kind of line
//! it reaches, which decides its price.
//!
//! A destination is allowed when it is one the call's screen pop names — an employee of the
//! call's client who is reachable (and, when the instructions in force name whom callers
//! may be put through to, one of those), or a number of the emergency procedure in force —
//! or, for supervisors or clients that allow it, any number. Premium-rate numbers
//! (0900/0906/0909), short codes and numbers abroad are refused, listed or not, unless the
//! client's rules allow them.

use crate::events::ScreenPop;
use crate::instructions::EmergencyStep;
use crate::{NumberKind, PhoneNumber, Role, StaffId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// A client's exceptions to the transfer rules, kept by the bureau; all off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TransferRules {
    /// Operators may put callers through to numbers the client did not list.
    pub free_numbers: bool,
    /// Premium-rate numbers (0900, 0906, 0909) may be called.
    pub premium: bool,
    /// Numbers abroad may be called.
    pub international: bool,
}

/// How the caller is put through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferMode {
    /// At once: the caller hears ringing; not reached, the call rings the operator again.
    Blind,
    /// After the operator announced the caller (ruggespraak), who waits on hold meanwhile.
    Consult,
}

impl TransferMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferMode::Blind => "blind",
            TransferMode::Consult => "consult",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "blind" => Some(TransferMode::Blind),
            "consult" => Some(TransferMode::Consult),
            _ => None,
        }
    }
}

/// What the operator does with a ruggespraak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsultStep {
    /// Put the caller through to the one she consulted (F9).
    Complete,
    /// End the consult leg and go back to the caller (F10).
    Return,
}

/// How a transfer is priced: by the kind of line it reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Mobile,
    /// Fixed lines, and non-geographic numbers (085, 088, …) unless the price list says otherwise.
    Fixed,
}

impl LineKind {
    /// The kind of line `number` reaches, as `core::phone` knows it.
    pub fn of(number: &PhoneNumber) -> Self {
        match number.kind() {
            NumberKind::Mobile => LineKind::Mobile,
            _ => LineKind::Fixed,
        }
    }

    /// The text stored and shown for it.
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Mobile => "mobile",
            LineKind::Fixed => "fixed",
        }
    }

    /// Reads [`Self::as_str`] back.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "mobile" => Some(LineKind::Mobile),
            "fixed" => Some(LineKind::Fixed),
            _ => None,
        }
    }
}

/// A price of the price list: what putting a caller through to a `line` costs (euro cents,
/// excluding VAT) from `valid_from` until the next price of that line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct TransferPrice {
    pub line: LineKind,
    pub cents: i64,
    pub valid_from: chrono::DateTime<chrono::Utc>,
}

/// Where a transfer may go: the number, its line and whom the screen pop says it reaches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Destination {
    pub number: PhoneNumber,
    pub line: LineKind,
    /// The employee or emergency step it belongs to; none for a free number.
    pub name: Option<String>,
}

/// Why a destination is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    NotANumber(String),
    #[error("short codes cannot be called")]
    ShortCode,
    #[error("premium-rate numbers cannot be called for this client")]
    PremiumRate,
    #[error("numbers abroad cannot be called for this client")]
    International,
    #[error("this number is not one of the client's numbers to put callers through to")]
    NotListed,
    #[error("too many outbound calls at the moment; try again later")]
    TooMany,
}

/// Why an operator's order to put a call through was not carried out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("no such call in progress")]
    NoSuchCall,
    #[error("only the operator talking with the caller can put the call through")]
    NotYours,
    #[error("the call cannot be put through now: it is not being talked to")]
    NotTalking,
    #[error("the call is not in a ruggespraak")]
    NotConsulting,
    #[error("no outbound gateway is configured (sip_outbound_uri)")]
    NoGateway,
    #[error(transparent)]
    Refused(#[from] Refusal),
}

impl Refusal {
    /// A stable code for the console and API clients to translate.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotANumber(_) => "not_a_number",
            Refusal::ShortCode => "short_code",
            Refusal::PremiumRate => "premium_rate",
            Refusal::International => "international",
            Refusal::NotListed => "not_listed",
            Refusal::TooMany => "too_many",
        }
    }
}

/// Longest digit string, without a leading 0 or +, taken for a short code (112, 1233, 14020).
const SHORT_CODE_DIGITS: usize = 6;

/// Short numbers the numbering plan writes as if national: 14 + area code (municipalities)
/// and 18xx (directory services).
const SHORT_PREFIXES: [&str; 2] = ["+3114", "+3118"];

/// Premium-rate prefixes of the Dutch numbering plan.
const PREMIUM_PREFIXES: [&str; 3] = ["+31900", "+31906", "+31909"];

/// Checks `input` (as the operator typed or picked it) as a destination of a call whose
/// operator sees `pop`, by a staff member of `role`, for a client with `rules`.
pub fn destination(
    input: &str,
    pop: &ScreenPop,
    rules: TransferRules,
    role: Role,
) -> Result<Destination, Refusal> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    let dialled_short = digits.len() <= SHORT_CODE_DIGITS
        && !digits.starts_with('0')
        && digits.chars().all(|c| c.is_ascii_digit());
    if dialled_short {
        return Err(Refusal::ShortCode);
    }
    let number = PhoneNumber::parse(input).map_err(Refusal::NotANumber)?;
    callable(&number, rules)?;
    let name = match listed(pop).find(|(listed, _)| *listed == &number) {
        Some((_, name)) => Some(name.to_owned()),
        None if role >= Role::Supervisor || rules.free_numbers => None,
        None => return Err(Refusal::NotListed),
    };
    Ok(Destination {
        line: LineKind::of(&number),
        number,
        name,
    })
}

/// Whether `number` may be called at all for a client with `rules`, listed or not: no short
/// code written as a national number, no premium rate or number abroad unless allowed.
fn callable(number: &PhoneNumber, rules: TransferRules) -> Result<(), Refusal> {
    let text = number.as_str();
    if SHORT_PREFIXES.iter().any(|p| text.starts_with(p)) {
        return Err(Refusal::ShortCode);
    }
    if !rules.premium && PREMIUM_PREFIXES.iter().any(|p| text.starts_with(p)) {
        return Err(Refusal::PremiumRate);
    }
    if !rules.international && !text.starts_with("+31") {
        return Err(Refusal::International);
    }
    Ok(())
}

/// The destinations an operator may pick from the pop, in its order, each once (with the
/// name it is first listed under, as [`destination`] gives).
pub fn destinations(pop: &ScreenPop, rules: TransferRules) -> Vec<Destination> {
    let mut found: Vec<Destination> = Vec::new();
    for (number, name) in listed(pop) {
        if callable(number, rules).is_ok() && !found.iter().any(|f| &f.number == number) {
            found.push(Destination {
                number: number.clone(),
                line: LineKind::of(number),
                name: Some(name.to_owned()),
            });
        }
    }
    found
}

/// The numbers the pop names as destinations, each with whom it reaches.
pub fn listed(pop: &ScreenPop) -> impl Iterator<Item = (&PhoneNumber, &str)> {
    let content = &pop.instructions.draft.content;
    let put_through = &content.put_through;
    let employees = pop
        .employees
        .iter()
        .filter(|e| e.draft.reachable && (put_through.is_empty() || put_through.contains(&e.id)))
        .flat_map(|e| {
            let name = e.draft.name.as_str();
            [&e.draft.mobile, &e.draft.landline]
                .into_iter()
                .flatten()
                .map(move |number| (number, name))
        });
    let emergency = content.emergency.iter().filter_map(|step| match step {
        EmergencyStep::Call { to, name } => Some((to, name.as_str())),
        EmergencyStep::Voicemail { to } => Some((to, "voicemail")),
        EmergencyStep::Sms { .. } => None,
    });
    employees.chain(emergency)
}

/// Limits on outbound legs, against toll fraud and runaway scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutboundCaps {
    /// Legs in progress at once (ringing or connected), per operator and in all.
    pub concurrent_per_operator: usize,
    pub concurrent: usize,
    /// Legs started within the last hour, per operator and in all.
    pub hourly_per_operator: usize,
    pub hourly: usize,
}

const HOUR: Duration = Duration::from_secs(3600);

/// The outbound legs in progress and those started within the hour, by operator; holds at
/// most `caps.hourly` starts, so its memory is bounded.
#[derive(Debug, Default)]
pub struct Ledger {
    started: VecDeque<(Instant, StaffId)>,
    live: HashMap<StaffId, usize>,
}

impl Ledger {
    /// Counts a leg `operator` starts at `now`, or refuses it when a cap is reached.
    pub fn start(
        &mut self,
        operator: StaffId,
        caps: OutboundCaps,
        now: Instant,
    ) -> Result<(), Refusal> {
        while self
            .started
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) >= HOUR)
        {
            self.started.pop_front();
        }
        let live: usize = self.live.values().sum();
        let live_mine = self.live.get(&operator).copied().unwrap_or(0);
        let hour_mine = self.started.iter().filter(|(_, o)| *o == operator).count();
        if live >= caps.concurrent
            || live_mine >= caps.concurrent_per_operator
            || self.started.len() >= caps.hourly
            || hour_mine >= caps.hourly_per_operator
        {
            return Err(Refusal::TooMany);
        }
        self.started.push_back((now, operator));
        *self.live.entry(operator).or_default() += 1;
        Ok(())
    }

    /// A leg of `operator`'s ended.
    pub fn ended(&mut self, operator: StaffId) {
        if let Some(count) = self.live.get_mut(&operator) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.live.remove(&operator);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::CallerId;
    use crate::events::InstructionsKind;
    use crate::instructions::{InstructionContent, InstructionSet, InstructionSetDraft};
    use crate::{ClientId, Employee, EmployeeDraft, EmployeeId, InstructionSetId};

    fn employee(name: &str, mobile: &str, reachable: bool) -> Employee {
        Employee {
            id: EmployeeId::new(),
            client_id: ClientId::new(),
            draft: EmployeeDraft {
                name: name.into(),
                role: String::new(),
                emails: vec![],
                mobile: Some(PhoneNumber::parse(mobile).unwrap()),
                landline: None,
                reachable,
                sms: Default::default(),
            },
        }
    }

    fn pop(employees: Vec<Employee>, content: InstructionContent) -> ScreenPop {
        ScreenPop {
            client_id: ClientId::new(),
            client_name: "Bakkerij".into(),
            greeting: "Goedendag".into(),
            instructions_kind: InstructionsKind::Standard,
            instructions: InstructionSet {
                id: InstructionSetId::new(),
                client_id: ClientId::new(),
                draft: InstructionSetDraft {
                    period: None,
                    title: String::new(),
                    content,
                },
                version: 1,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
                updated_by: crate::Actor::system(),
            },
            dialled: PhoneNumber::parse("+31852001001").unwrap(),
            dialled_label: None,
            original: None,
            caller: CallerId::default(),
            contact: None,
            employees,
            busy: vec![],
            destinations: vec![],
        }
    }

    const NONE: TransferRules = TransferRules {
        free_numbers: false,
        premium: false,
        international: false,
    };

    #[test]
    fn a_reachable_employees_number_is_allowed_with_its_name_and_line() {
        let henk = employee("Henk", "+31612345002", true);
        let pop = pop(vec![henk], InstructionContent::default());
        let to = destination("06 12345002", &pop, NONE, Role::Operator).unwrap();
        assert_eq!(to.number.as_str(), "+31612345002");
        assert_eq!(to.line, LineKind::Mobile);
        assert_eq!(to.name.as_deref(), Some("Henk"));
    }

    #[test]
    fn an_unreachable_employee_or_one_the_instructions_leave_out_is_not_listed() {
        let (henk, sara) = (
            employee("Henk", "+31612345002", false),
            employee("Sara", "+31612345003", true),
        );
        let piet = employee("Piet", "+31612345001", true);
        let content = InstructionContent {
            put_through: vec![sara.id],
            ..Default::default()
        };
        let pop = pop(vec![henk, sara, piet], content);
        for number in ["+31612345002", "+31612345001"] {
            assert_eq!(
                destination(number, &pop, NONE, Role::Operator),
                Err(Refusal::NotListed),
                "{number}"
            );
        }
        assert!(destination("+31612345003", &pop, NONE, Role::Operator).is_ok());
    }

    #[test]
    fn emergency_numbers_are_listed_and_a_fixed_line_is_priced_as_fixed() {
        let content = InstructionContent {
            emergency: vec![
                EmergencyStep::Call {
                    to: PhoneNumber::parse("020 1234567").unwrap(),
                    name: "Storingsdienst".into(),
                },
                EmergencyStep::Voicemail {
                    to: PhoneNumber::parse("085 2001999").unwrap(),
                },
            ],
            ..Default::default()
        };
        let pop = pop(vec![], content);
        let call = destination("0201234567", &pop, NONE, Role::Operator).unwrap();
        assert_eq!(call.line, LineKind::Fixed);
        assert_eq!(call.name.as_deref(), Some("Storingsdienst"));
        let voicemail = destination("+31852001999", &pop, NONE, Role::Operator).unwrap();
        assert_eq!(voicemail.line, LineKind::Fixed, "085 is priced as fixed");
    }

    #[test]
    fn a_free_number_only_for_supervisors_or_when_the_client_allows() {
        let pop = pop(vec![], InstructionContent::default());
        assert_eq!(
            destination("020 7654321", &pop, NONE, Role::Operator),
            Err(Refusal::NotListed)
        );
        assert!(destination("020 7654321", &pop, NONE, Role::Supervisor).is_ok());
        let free = TransferRules {
            free_numbers: true,
            ..NONE
        };
        let to = destination("020 7654321", &pop, free, Role::Operator).unwrap();
        assert_eq!(to.name, None);
    }

    #[test]
    fn premium_short_and_foreign_numbers_are_refused_unless_allowed_even_for_supervisors() {
        let pop = pop(vec![], InstructionContent::default());
        let refused = [
            ("0900 1234567", Refusal::PremiumRate),
            ("0906 1234567", Refusal::PremiumRate),
            ("0909 1234567", Refusal::PremiumRate),
            ("112", Refusal::ShortCode),
            ("1233", Refusal::ShortCode),
            ("14020", Refusal::ShortCode),
            ("+31 14020", Refusal::ShortCode),
            ("1888", Refusal::ShortCode),
            ("+32 2 555 12 12", Refusal::International),
            ("0044 20 7946 0958", Refusal::International),
        ];
        for (number, refusal) in refused {
            assert_eq!(
                destination(number, &pop, NONE, Role::Admin),
                Err(refusal),
                "{number}"
            );
        }
        let all = TransferRules {
            free_numbers: true,
            premium: true,
            international: true,
        };
        assert!(destination("0900 1234567", &pop, all, Role::Operator).is_ok());
        assert!(destination("+32 2 555 12 12", &pop, all, Role::Operator).is_ok());
        assert!(matches!(
            destination("hello", &pop, all, Role::Admin),
            Err(Refusal::NotANumber(_))
        ));
    }

    #[test]
    fn the_ledger_caps_legs_at_once_and_per_hour_per_operator_and_in_all() {
        let caps = OutboundCaps {
            concurrent_per_operator: 2,
            concurrent: 3,
            hourly_per_operator: 3,
            hourly: 5,
        };
        let (anna, bert, carla) = (StaffId::new(), StaffId::new(), StaffId::new());
        let now = Instant::now();
        let mut ledger = Ledger::default();
        ledger.start(anna, caps, now).unwrap();
        ledger.start(anna, caps, now).unwrap();
        assert_eq!(
            ledger.start(anna, caps, now),
            Err(Refusal::TooMany),
            "2 at once"
        );
        ledger.start(bert, caps, now).unwrap();
        assert_eq!(
            ledger.start(carla, caps, now),
            Err(Refusal::TooMany),
            "3 in all"
        );
        ledger.ended(anna);
        ledger.start(anna, caps, now).unwrap();
        ledger.ended(anna);
        ledger.ended(anna);
        assert_eq!(
            ledger.start(anna, caps, now),
            Err(Refusal::TooMany),
            "3 an hour"
        );
        ledger.start(carla, caps, now).unwrap();
        ledger.ended(carla);
        assert_eq!(
            ledger.start(carla, caps, now),
            Err(Refusal::TooMany),
            "5 an hour in all"
        );
        // An hour later the starts are forgotten.
        let later = now + HOUR;
        ledger.start(anna, caps, later).unwrap();
        ledger.start(carla, caps, later).unwrap();
    }

    #[test]
    fn the_pop_lists_what_an_operator_may_pick_once_each_as_the_rules_allow() {
        let henk = employee("Henk", "+31612345002", true);
        let away = employee("Sara", "+31612345003", false);
        let abroad = employee("Luc", "+32475123456", true);
        let content = InstructionContent {
            emergency: vec![
                EmergencyStep::Call {
                    to: PhoneNumber::parse("+31612345002").unwrap(),
                    name: "Henk".into(),
                },
                EmergencyStep::Voicemail {
                    to: PhoneNumber::parse("085 2001999").unwrap(),
                },
            ],
            ..Default::default()
        };
        let pop = pop(vec![henk, away, abroad], content);
        let numbers = |rules| -> Vec<String> {
            destinations(&pop, rules)
                .into_iter()
                .map(|d| d.number.to_string())
                .collect()
        };
        assert_eq!(numbers(NONE), ["+31612345002", "+31852001999"]);
        let abroad_too = TransferRules {
            international: true,
            ..NONE
        };
        assert_eq!(
            numbers(abroad_too),
            ["+31612345002", "+32475123456", "+31852001999"]
        );
    }

    #[test]
    fn line_kinds_read_back() {
        for kind in [LineKind::Mobile, LineKind::Fixed] {
            assert_eq!(LineKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(LineKind::parse("satellite"), None);
    }
}
