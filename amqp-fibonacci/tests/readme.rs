//! Every `sh` block of README.md, run at the tutorial's defaults (the real `rpc_queue` and
//! `s14rpc`) and compared with what the README says it prints (test_support::readme).
//!
//! Not `test_support::readme_test!`: this section listens on no port of its own — the broker does. So
//! the test holds the queue names instead of a port, and declares the queues first (the
//! tutorial's way, as the servers would): a client started a moment before its server then
//! finds its request waiting in the queue instead of getting it returned as "no queue".

use crate::support::{amqp_url, broker, consumers_of, lock_default_queues};

use amqp_fibonacci::declare_like_tutorial;
use test_support::skip;

#[test]
fn readme_commands_print_what_the_readme_says() {
    if amqp_url() != common::endpoints::AMQP_URL {
        return skip("AMQP_URL points at another broker; the README runs at the defaults");
    }
    let Some(mut connection) = broker() else {
        return;
    };
    let _lock = lock_default_queues();
    let queues = [amqp_fibonacci::RPC_QUEUE, amqp_fibonacci::S14_QUEUE];
    let mut created = Vec::new();
    for queue in queues {
        match consumers_of(queue) {
            Some(consumers) if consumers > 0 => {
                return skip(&format!(
                    "a server already consumes `{queue}` (left running?)"
                ));
            }
            Some(_) => {}
            None => created.push(queue),
        }
        let channel = connection.open_channel(None).unwrap();
        declare_like_tutorial(&channel, queue).unwrap();
    }

    test_support::readme::check(&test_support::readme::Section {
        package: "amqp-fibonacci",
        crate_dir: env!("CARGO_MANIFEST_DIR"),
        bins: &[
            ("amqp-rpc-server", env!("CARGO_BIN_EXE_amqp-rpc-server")),
            ("amqp-rpc-client", env!("CARGO_BIN_EXE_amqp-rpc-client")),
        ],
        default_bin: "amqp-rpc-server",
        ports: &[],
    });

    // Leave the broker as we found it.
    let channel = connection.open_channel(None).unwrap();
    for queue in created {
        let _ = channel.queue_delete(queue, amiquip::QueueDeleteOptions::default());
    }
}
