//! The built `ucloudstack` binary, run as a user runs it: against `--fake`, or against a fake
//! started here and named by flags, environment or `~/.ucloud` profile files.

mod commands;
mod config;
mod files;
mod safety;
mod support;
mod transfer;
