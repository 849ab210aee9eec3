//! What the instructions pages list: the sets, the timeline, and the history of a set with
//! what changed between its versions.

use crate::i18n::Lang;
use centrale_core::diff::{self, Line};
use centrale_core::instructions::{DeliveryOverride, EmergencyStep, InstructionVersion, Period};
use centrale_core::timeline::timeline;
use centrale_core::{Employee, EmployeeId, InstructionSet, InstructionSetDraft, TimeZone};
use chrono::{DateTime, Utc};

/// How far ahead the timeline looks.
const TIMELINE_DAYS: u64 = 28;
/// The latest versions a set's history shows.
const SHOWN_VERSIONS: usize = 50;
/// A set as listed.
pub(super) struct SetView {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) temporary: bool,
    pub(super) period: String,
    /// Its text key: in force now, upcoming, ended, or standard.
    pub(super) status: &'static str,
    pub(super) changed: String,
}

pub(super) struct SpanView {
    pub(super) from: String,
    pub(super) until: String,
    pub(super) title: String,
    pub(super) temporary: bool,
}

pub(super) struct VersionView {
    pub(super) version: i64,
    pub(super) who: String,
    pub(super) when: String,
    pub(super) deleted: bool,
    pub(super) fields: Vec<(&'static str, String, String)>,
    pub(super) lines: Vec<(&'static str, String)>,
}

pub(super) fn local(at: DateTime<Utc>, zone: TimeZone) -> String {
    at.with_timezone(&zone.tz())
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

pub(super) fn period_text(period: &Period) -> String {
    format!(
        "{} – {}",
        period.start.format("%d-%m-%Y %H:%M"),
        period.end.format("%d-%m-%Y %H:%M")
    )
}

pub(super) fn title_of(set: &InstructionSet, lang: Lang) -> String {
    if set.is_standard() {
        lang.t("pop.standard").to_owned()
    } else if set.draft.title.is_empty() {
        lang.t("pop.temporary").to_owned()
    } else {
        set.draft.title.clone()
    }
}

pub(super) fn who(actor: &centrale_core::Actor, lang: Lang) -> String {
    match actor.who() {
        Some((email, true)) => format!("{email} ({})", lang.t("instr.by_bureau")),
        Some((email, false)) => email.to_owned(),
        None => lang.t("instr.by_system").to_owned(),
    }
}

pub(super) fn set_views(sets: &[InstructionSet], zone: TimeZone, lang: Lang) -> Vec<SetView> {
    let now = Utc::now();
    sets.iter()
        .map(|set| {
            let status = match set.draft.period.map(|p| p.instants(zone.tz())) {
                None => "instr.status_standard",
                Some((start, end)) if start <= now && now < end => "instr.status_now",
                Some((start, _)) if now < start => "instr.status_upcoming",
                Some(_) => "instr.status_ended",
            };
            SetView {
                id: set.id.to_string(),
                title: title_of(set, lang),
                temporary: !set.is_standard(),
                period: set
                    .draft
                    .period
                    .as_ref()
                    .map(period_text)
                    .unwrap_or_default(),
                status,
                changed: format!(
                    "{} · {}",
                    local(set.updated_at, zone),
                    who(&set.updated_by, lang)
                ),
            }
        })
        .collect()
}

pub(super) fn spans(sets: &[InstructionSet], zone: TimeZone, lang: Lang) -> Vec<SpanView> {
    let tz = zone.tz();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let from = centrale_core::instructions::instant_of(today.and_time(chrono::NaiveTime::MIN), tz);
    let until = centrale_core::instructions::instant_of(
        (today + chrono::Days::new(TIMELINE_DAYS)).and_time(chrono::NaiveTime::MIN),
        tz,
    );
    timeline(sets, tz, from, until)
        .into_iter()
        .filter_map(|span| {
            let set = sets.iter().find(|s| s.id == span.set)?;
            Some(SpanView {
                from: local(span.from, zone),
                until: local(span.until, zone),
                title: title_of(set, lang),
                temporary: !set.is_standard(),
            })
        })
        .collect()
}

/// What each part of a set says, for comparing two versions: (label key, text).
pub(super) fn parts(
    draft: &InstructionSetDraft,
    employees: &[Employee],
) -> Vec<(&'static str, String)> {
    let name = |id: &EmployeeId| {
        employees
            .iter()
            .find(|e| e.id == *id)
            .map_or_else(|| id.to_string(), |e| e.draft.name.clone())
    };
    let c = &draft.content;
    let overrides = c
        .delivery_overrides
        .iter()
        .map(|o| match o {
            DeliveryOverride::AllBySms { to } => format!("sms {to}"),
            DeliveryOverride::AllToEmployee { employee } => format!("→ {}", name(employee)),
            DeliveryOverride::AlsoEmail { to } => format!("+ {to}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let steps = c
        .emergency
        .iter()
        .map(|s| match s {
            EmergencyStep::Sms { to } => format!("sms {to}"),
            EmergencyStep::Call { to, name } => format!("call {name} {to}"),
            EmergencyStep::Voicemail { to } => format!("voicemail {to}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        ("instr.name", draft.title.clone()),
        (
            "instr.period",
            draft.period.as_ref().map(period_text).unwrap_or_default(),
        ),
        (
            "instr.greeting",
            c.greeting_override.clone().unwrap_or_default(),
        ),
        (
            "instr.put_through",
            c.put_through
                .iter()
                .map(name)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("instr.delivery", overrides),
        ("pop.emergency", steps),
    ]
}

pub(super) fn versions(
    history: &[InstructionVersion],
    employees: &[Employee],
    zone: TimeZone,
    lang: Lang,
) -> Vec<VersionView> {
    let mut views = Vec::with_capacity(history.len().min(SHOWN_VERSIONS));
    // Only the latest versions are compared and shown (each comparison costs a diff).
    let skipped = history.len().saturating_sub(SHOWN_VERSIONS);
    let mut before: Option<&InstructionSetDraft> = history[..skipped]
        .iter()
        .rev()
        .find_map(|version| version.set.as_ref().map(|set| &set.draft));
    for version in &history[skipped..] {
        let after = version.set.as_ref().map(|set| &set.draft);
        let text =
            |d: Option<&InstructionSetDraft>| d.map_or(String::new(), |d| d.content.text.clone());
        let (was, now) = (
            before.map(|d| parts(d, employees)),
            after.map(|d| parts(d, employees)),
        );
        let fields = match (&was, &now) {
            (Some(was), Some(now)) => was
                .iter()
                .zip(now)
                .filter(|(a, b)| a.1 != b.1)
                .map(|(a, b)| (a.0, a.1.clone(), b.1.clone()))
                .collect(),
            (None, Some(now)) => now
                .iter()
                .filter(|(_, text)| !text.is_empty())
                .map(|(key, text)| (*key, String::new(), text.clone()))
                .collect(),
            _ => Vec::new(),
        };
        let lines = if after.is_some() {
            diff::lines(&text(before), &text(after))
                .into_iter()
                .map(|line| match line {
                    Line::Same(text) => ("same", text),
                    Line::Removed(text) => ("removed", text),
                    Line::Added(text) => ("added", text),
                })
                .collect()
        } else {
            Vec::new()
        };
        views.push(VersionView {
            version: version.version,
            who: who(&version.changed_by, lang),
            when: local(version.changed_at, zone),
            deleted: version.set.is_none(),
            fields,
            lines,
        });
        before = after.or(before);
    }
    views.reverse();
    views
}
