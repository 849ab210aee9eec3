//! Erlang C staffing: how many operators a forecast of calls needs to meet a service level.
//!
//! The model is M/M/N: calls arrive at random (Poisson) at [`Forecast::calls_per_hour`], each
//! keeps an operator busy for an exponentially distributed time averaging
//! [`Forecast::average_handle_time`] (talk plus wrap-up), callers wait in one queue and never
//! hang up. With `A` = [`traffic_erlangs`] and `N` operators:
//!
//! - [`probability_of_waiting`] — Erlang C, `C(N, A)` = P(a call waits at all);
//! - [`service_level`] — P(answered within the target) = `1 − C·e^{−(N−A)·T/AHT}`;
//! - [`average_speed_of_answer`] — `C·AHT/(N−A)`;
//! - [`agents_needed`] and [`staffing`] — the smallest `N` meeting a service-level target.
//!
//! Erlang C is computed from the Erlang B recursion `B(0) = 1`,
//! `B(n) = A·B(n−1) / (n + A·B(n−1))`, then `C = N·B / (N − A·(1 − B))`: no factorials or
//! powers, so nothing overflows for hundreds or thousands of operators.
//!
//! Every function is total: negative, NaN or absurdly large input gives a documented finite
//! value, never NaN, infinity or a panic. Because callers never abandon in this model, the
//! figures are a little pessimistic for real queues — the usual planning convention.
//!
//! Durations are [`Duration`]s in Rust and seconds (`f64`) in JSON, named `…_seconds`.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

/// The most operators [`agents_needed`] will propose; far beyond any bureau, it bounds the search.
pub const MAX_AGENTS: u32 = 10_000;

/// Expected calls for an interval and the answering target.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Forecast {
    /// Offered calls per hour; negative or NaN counts as no calls.
    pub calls_per_hour: f64,
    /// Average handle time: talk plus wrap-up.
    #[serde(rename = "average_handle_time_seconds", with = "seconds")]
    #[schema(value_type = f64)]
    pub average_handle_time: Duration,
    /// A call answered within this wait counts towards the service level (e.g. 20 s).
    #[serde(rename = "target_answer_time_seconds", with = "seconds")]
    #[schema(value_type = f64)]
    pub target_answer_time: Duration,
}

/// A staffing proposal and what it is expected to achieve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, ToSchema)]
pub struct Staffing {
    /// Operators needed on the phones (before breaks, absence and other shrinkage).
    pub agents: u32,
    /// Expected fraction of calls answered within the target answer time, 0–1.
    pub service_level: f64,
    /// Expected average wait before answer; [`Duration::MAX`] (≈ 1.8·10¹⁹ s) when unstable.
    #[serde(rename = "average_speed_of_answer_seconds", with = "seconds")]
    #[schema(value_type = f64)]
    pub average_speed_of_answer: Duration,
    /// Expected fraction of the operators' time spent handling calls, 0–1.
    pub occupancy: f64,
}

/// Offered traffic in Erlangs, `A = λ·AHT` (calls per hour × handle time in hours).
///
/// Returns 0 for a negative or NaN rate, or no handle time; an overflowing product saturates
/// at [`f64::MAX`].
pub fn traffic_erlangs(f: &Forecast) -> f64 {
    let traffic = f.calls_per_hour * (f.average_handle_time.as_secs_f64() / 3600.0);
    // NaN includes ∞·0.
    if traffic.is_nan() || traffic <= 0.0 {
        0.0
    } else {
        traffic.min(f64::MAX)
    }
}

/// Erlang C: the probability that a call has to wait, `P(W > 0)`, with `agents` operators.
///
/// Returns 0 for no traffic (negative or NaN counts as none) and 1 when `agents <= traffic`:
/// the queue then grows without bound and every call waits.
pub fn probability_of_waiting(agents: u32, traffic: f64) -> f64 {
    if traffic.is_nan() || traffic <= 0.0 {
        return 0.0;
    }
    if f64::from(agents) <= traffic {
        return 1.0;
    }
    let mut b = ErlangB::new(traffic);
    while b.servers < agents {
        b.step();
        if b.blocking < f64::MIN_POSITIVE {
            // Past A, B only shrinks, and C < N·B/(N − A) is now below 1e−290. Stopping
            // here also avoids crawling on at the smallest subnormal, where the recursion
            // can get stuck without ever reaching 0.
            return 0.0;
        }
    }
    b.erlang_c()
}

/// Expected fraction of calls answered within the target: `1 − C·e^{−(N−A)·T/AHT}`.
///
/// Returns 1 without traffic and 0 when `agents` cannot keep up (`agents <= traffic`).
pub fn service_level(agents: u32, f: &Forecast) -> f64 {
    let traffic = traffic_erlangs(f);
    if traffic == 0.0 {
        return 1.0;
    }
    if f64::from(agents) <= traffic {
        return 0.0;
    }
    let c = probability_of_waiting(agents, traffic);
    service_level_from(c, agents, traffic, target_over_handle_time(f))
}

/// Expected average wait before answer (ASA): `C·AHT/(N−A)`.
///
/// Returns zero without traffic and [`Duration::MAX`] (unbounded) when `agents <= traffic`;
/// a wait too long for a [`Duration`] saturates there too.
pub fn average_speed_of_answer(agents: u32, f: &Forecast) -> Duration {
    let traffic = traffic_erlangs(f);
    if traffic == 0.0 {
        return Duration::ZERO;
    }
    if f64::from(agents) <= traffic {
        return Duration::MAX;
    }
    let c = probability_of_waiting(agents, traffic);
    let seconds = c * f.average_handle_time.as_secs_f64() / (f64::from(agents) - traffic);
    Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
}

/// The smallest number of operators whose [`service_level`] reaches `target_service_level`
/// (e.g. 0.80 for 80 % within the target answer time).
///
/// Returns 0 without traffic. With traffic the answer is always more than the traffic, so
/// the queue is stable, even for a target of 0. The target is clamped to 0–1 (NaN counts
/// as 0). The search stops at [`MAX_AGENTS`], which is returned when the target cannot be
/// met below it; [`staffing`] then shows the service level actually reached.
pub fn agents_needed(f: &Forecast, target_service_level: f64) -> u32 {
    let traffic = traffic_erlangs(f);
    if traffic == 0.0 {
        return 0;
    }
    if traffic >= f64::from(MAX_AGENTS) {
        return MAX_AGENTS;
    }
    let target = if target_service_level.is_nan() {
        0.0
    } else {
        target_service_level.clamp(0.0, 1.0)
    };
    let ratio = target_over_handle_time(f);
    // The fewest operators that keep the queue stable; traffic < MAX_AGENTS, so this fits.
    let stable = traffic.floor() as u32 + 1;
    let mut b = ErlangB::new(traffic);
    while b.servers < stable {
        b.step();
    }
    // One recursion step per candidate: the whole search is linear in the answer.
    loop {
        let level = service_level_from(b.erlang_c(), b.servers, traffic, ratio);
        if level >= target || b.servers >= MAX_AGENTS {
            return b.servers;
        }
        b.step();
    }
}

/// The staffing that meets `target_service_level` (see [`agents_needed`]) and its figures.
///
/// Occupancy is `A/N`, capped at 1; it is 0 when no operators are needed.
pub fn staffing(f: &Forecast, target_service_level: f64) -> Staffing {
    let agents = agents_needed(f, target_service_level);
    let traffic = traffic_erlangs(f);
    let occupancy = if agents == 0 {
        0.0
    } else {
        (traffic / f64::from(agents)).min(1.0)
    };
    Staffing {
        agents,
        service_level: service_level(agents, f),
        average_speed_of_answer: average_speed_of_answer(agents, f),
        occupancy,
    }
}

/// Target answer time over handle time, `T/AHT`; only called with traffic, so AHT > 0.
fn target_over_handle_time(f: &Forecast) -> f64 {
    f.target_answer_time.as_secs_f64() / f.average_handle_time.as_secs_f64()
}

/// `1 − C·e^{−(N−A)·T/AHT}` for a stable queue (`agents > traffic`).
fn service_level_from(c: f64, agents: u32, traffic: f64, target_over_aht: f64) -> f64 {
    // The exponent is ≤ 0 (possibly −∞), so the factor lies in 0–1 and nothing is NaN.
    let late = c * (-(f64::from(agents) - traffic) * target_over_aht).exp();
    (1.0 - late).clamp(0.0, 1.0)
}

/// The Erlang B recursion, advanced one server at a time.
struct ErlangB {
    traffic: f64,
    servers: u32,
    blocking: f64,
}

impl ErlangB {
    /// Starts the recursion for positive, finite traffic.
    ///
    /// For large traffic it starts at `n₀ = A − 10·√A` with `B(n₀) ≈ 1 − n₀/A` instead of
    /// at `B(0) = 1`: below `A` every step shrinks the relative error of `1/B` by about
    /// `n/A`, so the guess is forgotten by a factor `e^{−50}` before `n` reaches `A`, and
    /// the loop runs `O(√A)` steps up to `A` instead of `O(A)`. That keeps a call with
    /// millions of Erlangs (or `u32::MAX` agents) fast without changing any result.
    fn new(traffic: f64) -> Self {
        let start = (traffic - 10.0 * traffic.sqrt()).floor();
        if start >= 1.0 {
            ErlangB {
                traffic,
                servers: start as u32,
                blocking: (traffic - start) / traffic,
            }
        } else {
            ErlangB {
                traffic,
                servers: 0,
                blocking: 1.0,
            }
        }
    }

    /// `B(n) = A·B(n−1) / (n + A·B(n−1))`: stays in 0–1 and never divides by zero.
    fn step(&mut self) {
        self.servers += 1;
        let carried = self.traffic * self.blocking;
        self.blocking = carried / (f64::from(self.servers) + carried);
    }

    /// Erlang C from Erlang B, `C = N·B / (N − A·(1 − B))`; only for `N > A`.
    fn erlang_c(&self) -> f64 {
        let n = f64::from(self.servers);
        let c = n * self.blocking / (n - self.traffic * (1.0 - self.blocking));
        c.clamp(0.0, 1.0)
    }
}

/// A [`Duration`] as seconds in JSON, so forms and reports need no `{secs, nanos}`.
mod seconds {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs)
            .map_err(|_| D::Error::custom("expected a non-negative number of seconds"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROBABILITY: f64 = 0.001;

    fn forecast(calls_per_hour: f64, aht_secs: u64, target_secs: u64) -> Forecast {
        Forecast {
            calls_per_hour,
            average_handle_time: Duration::from_secs(aht_secs),
            target_answer_time: Duration::from_secs(target_secs),
        }
    }

    fn assert_near(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "expected {expected} ± {tolerance}, got {actual}"
        );
    }

    /// Erlang C straight from the definition with factorials, for small cases only.
    fn erlang_c_by_definition(agents: u32, traffic: f64) -> f64 {
        let n = f64::from(agents);
        let mut term = 1.0; // A^k / k!
        let mut below = 0.0;
        for k in 0..agents {
            below += term;
            term *= traffic / f64::from(k + 1);
        }
        let waiting = term * n / (n - traffic);
        waiting / (below + waiting)
    }

    /// The plain recursion from B(0) = 1, to check the shortcut start in [`ErlangB::new`].
    fn erlang_c_from_zero(agents: u32, traffic: f64) -> f64 {
        let mut b = ErlangB {
            traffic,
            servers: 0,
            blocking: 1.0,
        };
        while b.servers < agents {
            b.step();
        }
        b.erlang_c()
    }

    #[test]
    fn textbook_values_that_follow_from_the_definition() {
        // M/M/1: P(wait) = ρ.
        assert_near(probability_of_waiting(1, 0.5), 0.5, 1e-12);
        // A = 1, N = 2: (1/2 · 2) / (1 + 1 + 1) = 1/3.
        assert_near(probability_of_waiting(2, 1.0), 1.0 / 3.0, 1e-12);
        // A = 2, N = 3: (8/6 · 3) / (1 + 2 + 2 + 4) = 4/9.
        assert_near(probability_of_waiting(3, 2.0), 4.0 / 9.0, 1e-12);
        for (agents, traffic) in [(5, 2.5), (11, 10.0), (28, 24.0), (60, 55.5)] {
            assert_near(
                probability_of_waiting(agents, traffic),
                erlang_c_by_definition(agents, traffic),
                1e-12,
            );
        }
    }

    #[test]
    fn call_centre_helper_worked_example() {
        // Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
        // (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls
        // per 30 minutes, AHT 180 s, 80 % within 20 s → A = 10 Erlangs; it starts at N = 11
        // and raises N until the target is met. pyworkforce reproduces the example in its
        // tests (rodrigo-arenas/pyworkforce, pyworkforce/queuing/tests/test_erlang.py and
        // docs/tutorials/erlangc_example.rst): raw_positions 14, service_level 0.888,
        // occupancy 0.714, waiting_probability 0.174; with a 70 % occupancy cap, 15 agents:
        // service_level 0.941, waiting_probability 0.102. The N = 11 and N = 13 figures
        // below are computed here (and by the definition), not copied from the article.
        let f = forecast(200.0, 180, 20);
        assert_near(traffic_erlangs(&f), 10.0, 1e-12);

        assert_near(probability_of_waiting(11, 10.0), 0.6821, PROBABILITY);
        assert_near(service_level(11, &f), 0.3896, PROBABILITY);
        assert_near(average_speed_of_answer(11, &f).as_secs_f64(), 122.8, 0.1);

        assert_near(probability_of_waiting(14, 10.0), 0.174, PROBABILITY);
        assert_near(service_level(14, &f), 0.888, PROBABILITY);
        assert_near(probability_of_waiting(15, 10.0), 0.102, PROBABILITY);
        assert_near(service_level(15, &f), 0.941, PROBABILITY);

        // 13 agents reach only 79.6 %, so 14 is the smallest that meets 80 %.
        assert!(service_level(13, &f) < 0.80);
        assert_eq!(agents_needed(&f, 0.80), 14);
        let s = staffing(&f, 0.80);
        assert_eq!(s.agents, 14);
        assert_near(s.service_level, 0.888, PROBABILITY);
        assert_near(s.occupancy, 0.714, PROBABILITY);
        assert_near(s.average_speed_of_answer.as_secs_f64(), 7.8, 0.1);
    }

    #[test]
    fn circuits_for_a_delay_probability() {
        // Erlang C calculator by V. Rodríguez (personal.telefonica.terra.es/web/vr/erlang/
        // eng/mcerlc.htm): 600 calls an hour of 120 s = 20 Erlangs; for at most 15 % delay
        // probability 26 circuits, about 3 s average delay per call; 30 circuits → 2.5 %.
        let f = forecast(600.0, 120, 0);
        assert_near(traffic_erlangs(&f), 20.0, 1e-12);
        assert!(probability_of_waiting(25, 20.0) > 0.15);
        assert!(probability_of_waiting(26, 20.0) <= 0.15);
        assert_near(average_speed_of_answer(26, &f).as_secs_f64(), 3.0, 0.2);
        assert_near(probability_of_waiting(30, 20.0), 0.025, PROBABILITY);
        // With a zero target, "answered in time" means "not queued": SL = 1 − C.
        assert_eq!(agents_needed(&f, 0.85), 26);
    }

    #[test]
    fn twenty_four_erlangs() {
        // 360 calls an hour of 240 s. Computed here and by the definition above, not taken
        // from a publication: with 28 agents P(wait) = 0.3331 and 76.1 % within 20 s, so
        // 80/20 needs 29.
        let f = forecast(360.0, 240, 20);
        assert_near(traffic_erlangs(&f), 24.0, 1e-12);
        assert_near(probability_of_waiting(28, 24.0), 0.3331, PROBABILITY);
        assert_near(
            probability_of_waiting(28, 24.0),
            erlang_c_by_definition(28, 24.0),
            1e-12,
        );
        assert_near(service_level(28, &f), 0.7613, PROBABILITY);
        assert_near(average_speed_of_answer(28, &f).as_secs_f64(), 20.0, 0.1);
        assert_eq!(agents_needed(&f, 0.80), 29);
    }

    #[test]
    fn more_agents_never_make_things_worse() {
        let f = forecast(360.0, 240, 20);
        let mut previous = staffing_at(25, &f);
        for agents in 26..80 {
            let now = staffing_at(agents, &f);
            assert!(now.0 <= previous.0, "P(wait) rose at {agents}");
            assert!(now.1 >= previous.1, "service level fell at {agents}");
            assert!(now.2 <= previous.2, "ASA rose at {agents}");
            previous = now;
        }
        // A higher target never needs fewer agents.
        let mut previous = 0;
        for percent in 0..=99 {
            let agents = agents_needed(&f, f64::from(percent) / 100.0);
            assert!(agents >= previous);
            assert!(service_level(agents, &f) >= f64::from(percent) / 100.0);
            assert!(agents == 25 || service_level(agents - 1, &f) < f64::from(percent) / 100.0);
            previous = agents;
        }
    }

    fn staffing_at(agents: u32, f: &Forecast) -> (f64, f64, Duration) {
        (
            probability_of_waiting(agents, traffic_erlangs(f)),
            service_level(agents, f),
            average_speed_of_answer(agents, f),
        )
    }

    #[test]
    fn the_shortcut_start_changes_nothing() {
        for traffic in [101.0, 400.0, 2_500.5, 9_000.0] {
            for extra in [0.5, 3.0, 10.0, 40.0, 200.0] {
                let agents = (traffic + extra) as u32;
                assert_near(
                    probability_of_waiting(agents, traffic),
                    erlang_c_from_zero(agents, traffic),
                    1e-12,
                );
            }
        }
    }

    #[test]
    fn no_traffic_needs_no_one() {
        for f in [
            forecast(0.0, 180, 20),
            forecast(-5.0, 180, 20),
            forecast(f64::NAN, 180, 20),
            forecast(f64::NEG_INFINITY, 180, 20),
            forecast(f64::INFINITY, 0, 20),
            forecast(100.0, 0, 20),
        ] {
            assert_eq!(traffic_erlangs(&f), 0.0);
            assert_eq!(agents_needed(&f, 0.8), 0);
            assert_eq!(
                staffing(&f, 0.8),
                Staffing {
                    agents: 0,
                    service_level: 1.0,
                    average_speed_of_answer: Duration::ZERO,
                    occupancy: 0.0,
                }
            );
        }
        assert_eq!(probability_of_waiting(0, 0.0), 0.0);
        assert_eq!(probability_of_waiting(3, -1.0), 0.0);
        assert_eq!(probability_of_waiting(3, f64::NAN), 0.0);
    }

    #[test]
    fn too_few_agents_means_everyone_waits_forever() {
        let f = forecast(200.0, 180, 20); // 10 Erlangs
        for agents in [0, 1, 9, 10] {
            assert_eq!(probability_of_waiting(agents, 10.0), 1.0);
            assert_eq!(service_level(agents, &f), 0.0);
            assert_eq!(average_speed_of_answer(agents, &f), Duration::MAX);
        }
        assert_eq!(probability_of_waiting(5, f64::INFINITY), 1.0);
    }

    #[test]
    fn odd_targets_still_give_a_stable_queue() {
        let f = forecast(200.0, 180, 20); // 10 Erlangs
        assert_eq!(agents_needed(&f, 0.0), 11);
        assert_eq!(agents_needed(&f, -3.0), 11);
        assert_eq!(agents_needed(&f, f64::NAN), 11);
        let all = agents_needed(&f, 1.0);
        assert!(all > 14 && all < 100, "{all}");
        assert_eq!(agents_needed(&f, 7.0), all);
        assert_eq!(service_level(all, &f), 1.0);
    }

    #[test]
    fn huge_inputs_stay_finite_and_fast() {
        let flood = forecast(f64::MAX, u64::MAX, 20);
        assert_eq!(traffic_erlangs(&flood), f64::MAX);
        let s = staffing(&flood, 0.8);
        assert_eq!(s.agents, MAX_AGENTS);
        assert_eq!(s.service_level, 0.0);
        assert_eq!(s.average_speed_of_answer, Duration::MAX);
        assert_eq!(s.occupancy, 1.0);

        // A target no staffing below the cap can meet.
        let busy = forecast(9_990.0 * 3600.0, 1, 0);
        assert_eq!(agents_needed(&busy, 1.0), MAX_AGENTS);

        for (agents, traffic) in [
            (u32::MAX, 1.0),
            (u32::MAX, 4.0e9),
            (u32::MAX, 4_294_967_294.5),
            (2_000_000, 1_999_000.0),
        ] {
            let c = probability_of_waiting(agents, traffic);
            assert!((0.0..=1.0).contains(&c), "{agents} {traffic}: {c}");
        }
        assert_eq!(probability_of_waiting(u32::MAX, 1.0), 0.0);
        // Once took half a minute: B stuck at the smallest subnormal for 3·10⁸ steps.
        assert_eq!(probability_of_waiting(u32::MAX, 4.0e9), 0.0);

        // A target answer time far beyond the handle time: everyone is answered in time.
        let patient = Forecast {
            calls_per_hour: 200.0,
            average_handle_time: Duration::from_nanos(1),
            target_answer_time: Duration::MAX,
        };
        assert!(traffic_erlangs(&patient) > 0.0);
        let s = staffing(&patient, 0.8);
        assert_eq!(s.agents, 1);
        assert!(s.service_level.is_finite() && s.occupancy.is_finite());
    }

    #[test]
    fn json_uses_seconds() {
        let f = forecast(200.0, 180, 20);
        let json = serde_json::to_value(f).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "calls_per_hour": 200.0,
                "average_handle_time_seconds": 180.0,
                "target_answer_time_seconds": 20.0,
            })
        );
        assert_eq!(serde_json::from_value::<Forecast>(json).unwrap(), f);
        let negative = serde_json::json!({
            "calls_per_hour": 200.0,
            "average_handle_time_seconds": -1.0,
            "target_answer_time_seconds": 20.0,
        });
        assert!(serde_json::from_value::<Forecast>(negative).is_err());

        let s = serde_json::to_value(staffing(&f, 0.8)).unwrap();
        assert_eq!(s["agents"], 14);
        assert!(s["average_speed_of_answer_seconds"].as_f64().unwrap() > 7.0);
    }
}
