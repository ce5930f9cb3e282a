//! `regions`: list the platform's regions.

use crate::config::Session;
use crate::error::Failure;
use crate::output::{Out, table, text};

pub async fn list(s: &Session, out: Out) -> Result<(), Failure> {
    let regions = s.client.describe_region().send().await?;
    if out.json {
        out.json(&regions.infos);
        return Ok(());
    }
    let rows = regions.infos.iter().map(|r| [text(&r.region), text(&r.region_alias), text(&r.city), text(&r.state)]);
    table(["REGION", "NAME", "CITY", "STATE"], rows, "region");
    Ok(())
}
