//! Centrale's domain: what an answering bureau is made of, and the rules that need no I/O.
//!
//! Key types: [`Client`] (a tenant), [`ForwardingNumber`], [`Employee`], [`InstructionSet`]
//! with the rule [`instructions::in_force`], [`Contact`], [`Staff`], and the newtypes
//! [`PhoneNumber`], [`EmailAddress`], [`TimeZone`]. The ports the storage implements are in
//! [`ports`]; every port method that touches a client's data takes its [`ClientId`].
//!
//! May depend on: nothing of Centrale, and no runtime, SQL or HTTP crate.

pub mod acd;
pub mod agenda;
pub mod audit;
pub mod calendar;
pub mod call_state;
pub mod calls;
pub mod cidr;
pub mod client;
pub mod contact;
pub mod diff;
pub mod digest;
pub mod directory;
pub mod email;
pub mod employee;
pub mod erlang;
pub mod error;
pub mod events;
pub mod forwarding;
pub mod ids;
pub mod instructions;
pub mod mail;
pub mod notes;
pub mod number_pool;
pub mod password;
pub mod phone;
pub mod plan;
pub mod portal;
pub mod ports;
pub mod privacy;
pub mod signup;
pub mod sip_credentials;
pub mod staff;
pub mod throttle;
pub mod time_zone;
pub mod timeline;
pub mod totp;
pub mod transfer;

pub use cidr::Cidr;
pub use client::{Client, ClientDraft, ClientStatus, Language};
pub use contact::{Contact, ContactDraft};
pub use email::EmailAddress;
pub use employee::{Employee, EmployeeDraft, SmsPreference};
pub use error::{Error, Result};
pub use ids::{
    AuditId, CallId, CallbackFeedId, ClientId, ContactId, DeliveryId, EmployeeId, InstructionSetId,
    MailId, NoteId, NumberId, PortalUserId, SignupId, StaffId,
};
pub use instructions::{InstructionContent, InstructionSet, InstructionSetDraft, Period};
pub use number_pool::{ForwardingNumber, NumberDraft};
pub use password::PasswordHash;
pub use phone::{NumberKind, PhoneNumber};
pub use staff::{Actor, Role, Staff, StaffDraft};
pub use time_zone::TimeZone;
