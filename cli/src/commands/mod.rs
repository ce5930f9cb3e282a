//! One module per group of commands; `run` picks the command.

mod delete;
mod handle;
mod images;
mod make;
mod os;
mod regions;
mod transfer;
mod vms;

use crate::args::{Cli, Command, Images};
use crate::config::{Session, connect};
use crate::error::Failure;
use crate::interrupt::{self, Left};
use crate::output::Out;
use clap::CommandFactory;

pub async fn run(cli: Cli) -> Result<(), Failure> {
    let out = Out { json: cli.global.json };
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "ucloudstack", &mut std::io::stdout());
        return Ok(());
    }
    let session = connect(&cli.global).await?;
    if let Some(fake) = &session.fake {
        out.note(format!("using the embedded fake UCloudStack at {} (--fake)", fake.endpoint()));
    }
    match cli.command {
        Command::Images(command) => images(&session, out, command).await,
        Command::Vms { states } => vms::list(&session, out, &states).await,
        Command::Regions => regions::list(&session, out).await,
        Command::Completions { .. } => Ok(()),
    }
}

async fn images(s: &Session, out: Out, command: Images) -> Result<(), Failure> {
    // A change whose answer Ctrl-C cut off may have been made; capture, delete, upload and
    // download say more precisely what they leave.
    let changes = matches!(
        command,
        Images::Create { .. }
            | Images::Rename { .. }
            | Images::Publish { .. }
            | Images::Update { .. }
            | Images::ImportUrl(_)
            | Images::Copy(_)
    );
    let _saying = changes.then(|| interrupt::saying(|| Left::unknown(interrupt::MAY_HAVE_ACTED)));
    match command {
        Images::List(args) => images::list(s, out, args).await,
        Images::Show { image_id } => images::show(s, out, &image_id).await,
        Images::Rename { image_id, naming } => images::rename(s, out, &image_id, naming).await,
        Images::OsVersions => images::os_versions(s, out).await,
        Images::Publish { image_id, name, allow, deny } => images::publish(s, out, &image_id, name, allow, deny).await,
        Images::Update { image_id, company_id, os } => images::update(s, out, &image_id, company_id, os).await,
        Images::Create { vm_id, naming, wait } => make::create(s, out, vm_id, naming, wait).await,
        Images::Capture(args) => make::capture(s, out, args).await,
        Images::Delete(args) => delete::delete(s, out, args).await,
        Images::ImportUrl(args) => transfer::import_url(s, out, args).await,
        Images::Upload(args) => transfer::upload(s, out, args).await,
        Images::Download { image_id, file, overwrite } => transfer::download(s, out, &image_id, &file, overwrite).await,
        Images::Copy(args) => transfer::copy(s, out, args).await,
    }
}
