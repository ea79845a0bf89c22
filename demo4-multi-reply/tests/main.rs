//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod discovery;
mod etcd;
mod multi_reply;
mod netns;
mod peers;
mod readme;
mod watch;
