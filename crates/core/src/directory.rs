//! What a call is routed and popped by, held in memory so that no call waits for the
//! database: forwarding number → client, and per client its card (the client, its
//! instruction sets, employees and known callers). The instructions in force are chosen
//! from the card's sets at the call's instant, like everywhere else ([`in_force`]).
//!
//! The telephony keeps one [`Directory`] and swaps in a new one when the store says what
//! changed ([`crate::ports::Change`]); a value is never changed in place.

use crate::agenda::{Busy, BusyNow, busy_until, until_local};
use crate::calls::CallerId;
use crate::events::{InstructionsKind, ScreenPop};
use crate::instructions::in_force;
use crate::ports::Store;
use crate::transfer;
use crate::{
    Client, ClientId, Contact, Employee, EmployeeId, ForwardingNumber, InstructionSet, PhoneNumber,
    Result,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// One client and what its calls show.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientCard {
    pub client: Client,
    pub sets: Vec<InstructionSet>,
    pub employees: Vec<Employee>,
    pub contacts: Vec<Contact>,
    /// Employees' busy times from their shared agendas ([`crate::agenda`]).
    pub busy: Vec<(EmployeeId, Vec<Busy>)>,
}

impl ClientCard {
    /// The card of `client` as the store has it.
    pub async fn load(store: &dyn Store, client: Client) -> Result<Self> {
        let id = client.id;
        Ok(Self {
            sets: store.list_instruction_sets(id).await?,
            employees: store.list_employees(id).await?,
            contacts: store.list_contacts(id).await?,
            busy: store
                .agendas(id)
                .await?
                .into_iter()
                .map(|agenda| (agenda.employee_id, agenda.busy))
                .collect(),
            client,
        })
    }

    /// The employees busy at `at`, until when.
    pub fn busy_at(&self, at: DateTime<Utc>) -> Vec<BusyNow> {
        let zone = self.client.draft.time_zone.tz();
        self.busy
            .iter()
            .filter_map(|(employee, periods)| {
                busy_until(periods, at).map(|until| BusyNow {
                    employee_id: *employee,
                    until,
                    until_local: until_local(until, at, zone),
                })
            })
            .collect()
    }

    /// The screen pop for a call to `number` from `caller` at `at`; None when no set is in
    /// force (a client always has its standard set, so only damaged data gets here).
    pub fn pop(
        &self,
        number: &ForwardingNumber,
        caller: &CallerId,
        original: Option<String>,
        at: DateTime<Utc>,
    ) -> Option<ScreenPop> {
        let client = &self.client;
        let set = in_force(&self.sets, client.draft.time_zone.tz(), at)?.clone();
        let instructions_kind = if set.is_standard() {
            InstructionsKind::Standard
        } else {
            InstructionsKind::Temporary
        };
        let greeting = set.greeting(&client.draft.greeting);
        let contact = caller.number.as_ref().and_then(|number| {
            self.contacts
                .iter()
                .find(|c| &c.draft.number == number)
                .cloned()
        });
        let mut pop = ScreenPop {
            client_id: client.id,
            client_name: client.draft.name.clone(),
            greeting,
            instructions_kind,
            instructions: set,
            dialled: number.draft.number.clone(),
            dialled_label: number.draft.label.clone(),
            original,
            caller: caller.clone(),
            contact,
            employees: self.employees.clone(),
            busy: self.busy_at(at),
            destinations: Vec::new(),
        };
        pop.destinations = transfer::destinations(&pop, client.draft.transfers);
        Some(pop)
    }
}

/// Why a dialled number leads to no client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unrouted {
    /// Not one of our forwarding numbers.
    NoSuchNumber,
    /// In the pool, or its client is gone.
    NotInService,
}

/// All routing and screen-pop data; see the module documentation.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    numbers: HashMap<PhoneNumber, ForwardingNumber>,
    cards: HashMap<ClientId, Arc<ClientCard>>,
}

impl Directory {
    /// A directory of these numbers and cards.
    pub fn new(numbers: Vec<ForwardingNumber>, cards: Vec<ClientCard>) -> Self {
        Self::default()
            .with_numbers(numbers)
            .with_cards(cards.into_iter().map(|c| (c.client.id, Some(c))))
    }

    /// The number dialled and the card of its client.
    pub fn route(
        &self,
        dialled: &PhoneNumber,
    ) -> Result<(&ForwardingNumber, Arc<ClientCard>), Unrouted> {
        let number = self.numbers.get(dialled).ok_or(Unrouted::NoSuchNumber)?;
        let card = number
            .draft
            .client_id
            .and_then(|client| self.cards.get(&client))
            .ok_or(Unrouted::NotInService)?;
        Ok((number, card.clone()))
    }

    /// A client's card, if it exists.
    pub fn card(&self, client: ClientId) -> Option<Arc<ClientCard>> {
        self.cards.get(&client).cloned()
    }

    /// This directory with all forwarding numbers replaced by `numbers`.
    pub fn with_numbers(&self, numbers: Vec<ForwardingNumber>) -> Self {
        Self {
            numbers: numbers
                .into_iter()
                .map(|n| (n.draft.number.clone(), n))
                .collect(),
            cards: self.cards.clone(),
        }
    }

    /// This directory with these clients' cards replaced (`None`: the client is gone).
    pub fn with_cards(
        &self,
        cards: impl IntoIterator<Item = (ClientId, Option<ClientCard>)>,
    ) -> Self {
        let mut next = self.clone();
        for (client, card) in cards {
            match card {
                Some(card) => next.cards.insert(client, Arc::new(card)),
                None => next.cards.remove(&client),
            };
        }
        next
    }

    /// How many clients it holds.
    pub fn clients(&self) -> usize {
        self.cards.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::CallerId;
    use crate::{
        Actor, ClientDraft, ContactDraft, ContactId, InstructionContent, InstructionSetDraft,
        InstructionSetId, NumberDraft, NumberId, Period,
    };

    fn phone(text: &str) -> PhoneNumber {
        PhoneNumber::parse(text).unwrap()
    }

    fn set(client: ClientId, text: &str, period: Option<Period>) -> InstructionSet {
        let at = "2026-12-01T08:00:00Z".parse().unwrap();
        InstructionSet {
            id: InstructionSetId::new(),
            client_id: client,
            draft: InstructionSetDraft {
                period,
                title: text.into(),
                content: InstructionContent {
                    text: text.into(),
                    ..InstructionContent::default()
                },
            },
            version: 1,
            created_at: at,
            updated_at: at,
            updated_by: Actor::system(),
        }
    }

    fn card() -> ClientCard {
        let client = Client {
            id: ClientId::new(),
            draft: ClientDraft {
                name: "Bakkerij Jansen".into(),
                greeting: "Bakkerij Jansen, goedemorgen".into(),
                emails: vec![],
                time_zone: Default::default(),
                language: Default::default(),
                status: Default::default(),
                sms_default: Default::default(),
                transfers: Default::default(),
            },
            created_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        };
        let id = client.id;
        let holiday = Period {
            start: "2026-12-24T00:00:00".parse().unwrap(),
            end: "2026-12-27T00:00:00".parse().unwrap(),
        };
        ClientCard {
            client,
            sets: vec![
                set(id, "standard", None),
                set(id, "closed for Christmas", Some(holiday)),
            ],
            employees: vec![],
            contacts: vec![Contact {
                id: ContactId::new(),
                client_id: id,
                draft: ContactDraft {
                    number: phone("06 12345678"),
                    name: "Marie".into(),
                    company: String::new(),
                    remarks: String::new(),
                    vip: false,
                },
            }],
            busy: Vec::new(),
        }
    }

    fn number(client: Option<ClientId>) -> ForwardingNumber {
        ForwardingNumber {
            id: NumberId::new(),
            draft: NumberDraft {
                number: phone("020 7001234"),
                label: Some("Sales".into()),
                client_id: client,
            },
            released_at: None,
        }
    }

    #[test]
    fn a_number_routes_to_its_clients_card_and_nothing_else_does() {
        let card = card();
        let directory = Directory::new(vec![number(Some(card.client.id))], vec![card.clone()]);
        let (found, routed) = directory.route(&phone("020 7001234")).unwrap();
        assert_eq!(found.draft.label.as_deref(), Some("Sales"));
        assert_eq!(*routed, card);
        assert_eq!(
            directory.route(&phone("020 7009999")).err(),
            Some(Unrouted::NoSuchNumber)
        );

        let pooled = Directory::new(vec![number(None)], vec![card.clone()]);
        assert_eq!(
            pooled.route(&phone("020 7001234")).err(),
            Some(Unrouted::NotInService)
        );
        let gone = directory.with_cards([(card.client.id, None)]);
        assert_eq!(
            gone.route(&phone("020 7001234")).err(),
            Some(Unrouted::NotInService)
        );
        assert_eq!(
            directory.clients(),
            1,
            "a new value; the old one is unchanged"
        );
    }

    #[test]
    fn the_pop_shows_the_set_in_force_at_the_calls_instant_and_the_known_caller() {
        let card = card();
        let number = number(Some(card.client.id));
        let marie = CallerId {
            number: Some(phone("06 12345678")),
            name: None,
        };
        let ordinary = "2026-12-01T10:00:00Z".parse().unwrap();
        let pop = card.pop(&number, &marie, None, ordinary).unwrap();
        assert_eq!(pop.instructions.draft.content.text, "standard");
        assert_eq!(pop.instructions_kind, InstructionsKind::Standard);
        assert_eq!(pop.contact.unwrap().draft.name, "Marie");
        assert_eq!(pop.dialled_label.as_deref(), Some("Sales"));

        let christmas = "2026-12-25T10:00:00Z".parse().unwrap();
        let stranger = CallerId {
            number: Some(phone("06 87654321")),
            name: None,
        };
        let pop = card.pop(&number, &stranger, None, christmas).unwrap();
        assert_eq!(pop.instructions.draft.content.text, "closed for Christmas");
        assert_eq!(pop.instructions_kind, InstructionsKind::Temporary);
        assert_eq!(pop.contact, None);
    }
}
