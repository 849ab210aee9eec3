//! Counting panics in Centrale's own tasks during a test.

/// Panics seen so far on each thread, counted by a hook installed once. A `#[tokio::test]`
/// runs Centrale's tasks on its own thread, so a panic in a spawned handler (which tokio
/// swallows) shows up here under the test's thread name.
pub struct PanicWatch {
    thread: String,
    before: usize,
}

static PANICS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

impl PanicWatch {
    pub fn start() -> Self {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                let name = std::thread::current().name().unwrap_or("").to_owned();
                PANICS
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(name);
                previous(info);
            }));
        });
        let thread = std::thread::current().name().unwrap_or("").to_owned();
        let before = Self::count_for(&thread);
        Self { thread, before }
    }

    fn count_for(thread: &str) -> usize {
        PANICS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|t| *t == thread)
            .count()
    }

    /// Panics on this test's thread since [`PanicWatch::start`].
    pub fn panics(&self) -> usize {
        Self::count_for(&self.thread) - self.before
    }
}
