//! Peak heap of a 512 MiB upload in 8 MiB parts at concurrency 4, against the embedded fake on
//! loopback. Target: under 48 MiB above the start (the parts in flight are 4 x 8 = 32 MiB).
//!
//! A bench of its own: dhat's allocator counts every allocation of the process, and would slow
//! the throughput bench. It counts the fake's too, which is fair here: the fake streams each
//! part's body through MD5 and keeps only its number, size and MD5, so what it holds is hyper's
//! read buffers (a few hundred KiB a connection).

mod common;

use common::{upload_raw, write_file};
use std::time::Duration;
use ucloudstack::testing::FakeUCloudStack;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const SIZE: u64 = 512 << 20;
const PART: u64 = 8 << 20;
const CONCURRENCY: usize = 4;
const TARGET: u64 = 48 << 20;
const MIB: f64 = (1 << 20) as f64;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let fake = runtime.block_on(FakeUCloudStack::builder().making_delay(Duration::ZERO).start());
    let client = fake.client();
    let dir = std::env::temp_dir().join(format!("ucloudstack-bench-upload-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("disk.raw");
    write_file(&path, SIZE);

    let profiler = dhat::Profiler::builder().testing().build();
    let start = dhat::HeapStats::get().curr_bytes as u64;
    let done = runtime.block_on(upload_raw(&client, &path, PART, CONCURRENCY).send());
    let stats = dhat::HeapStats::get();
    drop(profiler);
    let done = done.unwrap();
    assert_eq!(done.bytes_sent, SIZE);
    let image_id = done.image.image_id.clone().unwrap();
    assert_eq!(fake.uploaded_file(&image_id).map(|(len, _)| len), Some(SIZE));

    let peak = (stats.max_bytes as u64).saturating_sub(start);
    let verdict = if peak < TARGET { "meets" } else { "MISSES" };
    println!(
        "upload memory: 512 MiB in 8 MiB parts at concurrency 4 peaks at {:.1} MiB above the start, fake included \
         ({verdict} the target of under {:.0} MiB; the parts in flight are {:.0} MiB); {} allocations, {:.0} MiB \
         allocated in all",
        peak as f64 / MIB,
        TARGET as f64 / MIB,
        (CONCURRENCY as u64 * PART) as f64 / MIB,
        stats.total_blocks,
        stats.total_bytes as f64 / MIB,
    );
    let _ = std::fs::remove_dir_all(&dir);
    drop(fake);
}
