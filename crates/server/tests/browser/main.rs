//! The console and the wallboard as people use them: headless Chromium driven over WebDriver
//! (chromedriver), against a real Centrale with SIPp as the carrier and as the operator's phone.
//! Screenshots are written to `test-artifacts/` in the workspace.

mod bureau;
mod console;
mod portal;
