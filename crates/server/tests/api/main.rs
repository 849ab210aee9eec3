//! The API as its users meet it: a real server on a fresh database (SQLite or PostgreSQL,
//! per `CENTRALE_TEST_DB`), driven over HTTP.

mod admin_cli;
mod auth;
mod bad_input;
mod bureau;
mod callbacks;
mod clients;
mod console;
mod demo;
mod instructions;
mod notes;
mod numbers;
mod openapi;
mod portal;
mod portal_agenda;
mod portal_instructions;
mod portal_kit;
mod portal_passwords;
mod portal_people;
mod portal_sweep;
mod portal_totp;
mod privacy;
mod privilege;
mod security;
mod sessions;
mod signup;
mod staff;
mod tenancy;
