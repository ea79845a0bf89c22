//! Chapter amqp — RPC over RabbitMQ: a request and its reply with their AMQP properties, a call
//! with no server, and two servers sharing the calls.

use std::thread;
use std::time::{Duration, Instant};

use amqp_fibonacci::amiquip::{Channel, Delivery, Publish, QueueDeclareOptions};
use amqp_fibonacci::{amqp_url, spawn_server, Function, RpcClient, TempQueue, ERROR_HEADER};

use super::{Chapter, Need};
use crate::narrator::Narrator;
use crate::recorder::{preview, Fate, Message};

/// The diagram's lifelines.
const CLIENT: &str = "amqp-rpc-client";
const BROKER: &str = "RabbitMQ";
const SERVER: &str = "amqp-rpc-server";

pub const CHAPTER: Chapter = Chapter {
    name: "amqp",
    number: "7",
    krate: "amqp-fibonacci",
    title: "RPC over RabbitMQ (reply_to, correlation_id, fib)",
    needs: &[Need::Broker],
    optional: &[],
    run,
};

const WAIT: Duration = Duration::from_secs(10);

/// Queues the tour declares, deleted at the end of the chapter (even when it fails).
struct TourQueues {
    names: Vec<TempQueue>,
}

impl TourQueues {
    /// A fresh name: the tour never touches the tutorial's own `rpc_queue`, so a server a
    /// student left running in another terminal does not steal the tour's calls.
    fn fresh(&mut self, what: &str) -> String {
        let queue = TempQueue::named(&format!("{what}_tour"));
        let name = queue.name.clone();
        self.names.push(queue);
        name
    }
}

/// `basic.get` until a message is there (bounded).
fn get(channel: &Channel, queue: &str) -> anyhow::Result<Delivery> {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(got) = channel.basic_get(queue, true)? {
            return Ok(got.delivery);
        }
        anyhow::ensure!(Instant::now() < deadline, "nothing arrived in {queue}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `queue` has `consumers` consumers (servers start in threads).
fn wait_for_consumers(channel: &Channel, queue: &str, consumers: u32) -> anyhow::Result<()> {
    let deadline = Instant::now() + WAIT;
    loop {
        let found = channel.queue_declare_passive(queue)?;
        if found.declared_consumer_count().unwrap_or(0) >= consumers {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "no server consumes {queue}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// Shows one AMQP message: its body as bytes, then the properties that matter for RPC.
fn show(n: &mut Narrator, caption: &str, message: &Delivery) {
    n.wire(caption, &message.body);
    n.field(
        "exchange",
        &format!("{:?} (the default exchange)", message.exchange),
    );
    n.field("routing_key", &message.routing_key);
    let props = &message.properties;
    let shown = |value: &Option<String>| value.clone().unwrap_or_else(|| "—".to_string());
    n.field("reply_to", &shown(props.reply_to()));
    n.field("correlation_id", &shown(props.correlation_id()));
    n.field(
        "headers",
        &props
            .headers()
            .as_ref()
            .map_or("— (none)".to_string(), |h| format!("{h:?}")),
    );
}

/// One AMQP message as an arrow: its body, and the properties that matter for RPC.
fn drawn(from: &str, to: &str, label: &str, message: &Delivery) -> Message {
    let props = &message.properties;
    let shown = |value: &Option<String>| value.clone().unwrap_or_else(|| "—".to_string());
    Message::new(from, to, label, message.body.clone())
        .field("body", preview(&message.body))
        .field(
            "exchange",
            format!("{:?} (the default exchange)", message.exchange),
        )
        .field("routing_key", &message.routing_key)
        .field("reply_to", shown(props.reply_to()))
        .field("correlation_id", shown(props.correlation_id()))
        .field(
            "headers",
            props
                .headers()
                .as_ref()
                .map_or("— (none)".to_string(), |h| format!("{h:?}")),
        )
        .field(
            "(bytes)",
            "the message body; the AMQP frames around it are not captured",
        )
}

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "Now client and server never meet: both talk to a broker (RabbitMQ, AMQP 0-9-1).\n\
         The client publishes n to the queue rpc_queue with two properties: reply_to (its own\n\
         callback queue) and correlation_id (a fresh uuid4). The server consumes rpc_queue, one\n\
         request at a time (prefetch 1), publishes fib(n) to reply_to with the same\n\
         correlation_id, and only then acks the request.",
    );
    n.participants(&[CLIENT, BROKER, SERVER]);
    let url = amqp_url();
    let mut queues = TourQueues { names: Vec::new() };
    let served = queues.fresh("rpc_queue");
    let mut connection = amqp_fibonacci::connect(&url)?;
    let channel = connection.open_channel(None)?;

    n.step(&format!(
        "amqp-rpc-server declares the queue {served} (the tutorial: rpc_queue) and consumes it"
    ));
    // Declared here first (the tutorial's way) so the tour can watch it before the server starts.
    amqp_fibonacci::declare_like_tutorial(&channel, &served)?;
    let server = spawn_server(
        &url,
        &served,
        Function::Fib,
        Duration::ZERO,
        n.console_writer("amqp-rpc-server"),
    );
    wait_for_consumers(&channel, &served, 1)?;

    n.step("amqp-rpc-client declares its callback queue: exclusive, named by the broker");
    // The tour catches the request on its way: the client publishes to a queue nobody serves,
    // the tour shows the message and passes it on to the server's queue.
    let caught = queues.fresh("caught");
    channel.queue_declare(caught.clone(), QueueDeclareOptions::default())?;
    let mut client = RpcClient::new(&channel, &caught)?;
    n.field("callback queue", client.callback_queue());

    n.step(&format!(
        "The client asks for fib(30). The tour points it at a stand-in queue, {caught},\n    \
         to catch the request on its way and show it, then passes it on to {served}"
    ));
    n.console("amqp-rpc-client", " [x] Requesting fib(30)");
    let call = client.send("30")?;
    let request = get(&channel, &caught)?;
    show(n, "the request body: the decimal text of n", &request);
    n.message(drawn(CLIENT, BROKER, "publish fib(30)", &request));
    anyhow::ensure!(request.body == b"30", "unexpected request body");

    n.step(
        "The server computes and replies to reply_to, echoing the correlation_id\n    \
         (the tour sets reply_to to a queue of its own for a moment, to show you the reply)",
    );
    let tap = channel
        .queue_declare(
            "",
            QueueDeclareOptions {
                exclusive: true,
                ..Default::default()
            },
        )?
        .name()
        .to_string();
    let forwarded = request.properties.clone().with_reply_to(tap.clone());
    channel.basic_publish(
        "",
        Publish::with_properties(&request.body, served.clone(), forwarded),
    )?;
    n.message(drawn(BROKER, SERVER, "deliver fib(30)", &request));
    let reply = get(&channel, &tap)?;
    show(n, "the reply body: the decimal text of fib(30)", &reply);
    n.message(drawn(SERVER, BROKER, "publish 832040", &reply));
    n.message(drawn(BROKER, CLIENT, "deliver 832040", &reply));
    anyhow::ensure!(
        reply.properties.correlation_id() == request.properties.correlation_id(),
        "the reply lost the correlation id"
    );
    // Pass the reply on to the client's callback queue, where the server would have sent it.
    channel.basic_publish(
        "",
        Publish::with_properties(
            &reply.body,
            client.callback_queue().to_string(),
            reply.properties.clone(),
        ),
    )?;
    let answer = client.wait(call, WAIT)?;
    n.console("amqp-rpc-client", &format!(" [.] Got {answer}"));
    anyhow::ensure!(answer == "832040", "fib(30) came back as {answer}");
    drop(client);

    n.question("Should server errors reach the client? What about a request that is not a number?");
    let mut client = RpcClient::new(&channel, &served)?;
    let outcome = client.call("thirty", WAIT);
    n.answer(&format!(
        "Yes: the server answers with an error reply — the header {ERROR_HEADER}: <kind> and a\n\
         sentence as body — acks the request (no redelivery loop) and goes on. Our client says:\n\
         {}",
        match &outcome {
            Err(e) => e.to_string(),
            Ok(v) => format!("(unexpected answer {v})"),
        }
    ));
    anyhow::ensure!(outcome.is_err(), "a non-number got a numeric answer");

    n.question("What if no server is running?");
    let never = queues.fresh("never_declared");
    // One client per channel (each channel has one listener for returned messages).
    let lonely_channel = connection.open_channel(None)?;
    let mut lonely = RpcClient::new(&lonely_channel, &never)?;
    let no_queue = lonely.call("30", WAIT);
    n.message(
        Message::new(CLIENT, BROKER, "publish (no queue)", "30")
            .field("mandatory", "true: the broker returns what it cannot route")
            .fate(Fate::NeverAnswered(format!(
                "no queue {never}: the broker returned the message, the client says so"
            ))),
    );
    drop(lonely);
    lonely_channel.close()?;
    let idle = queues.fresh("idle");
    channel.queue_declare(idle.clone(), QueueDeclareOptions::default())?;
    let waiting_channel = connection.open_channel(None)?;
    let mut waiting = RpcClient::new(&waiting_channel, &idle)?;
    let no_consumer = waiting.call("30", Duration::from_millis(500));
    n.message(
        Message::new(CLIENT, BROKER, "publish (no consumer)", "30").fate(Fate::NeverAnswered(
            format!("{idle} exists but nobody consumes it: the request waits there"),
        )),
    );
    drop(waiting);
    waiting_channel.close()?;
    let text = |r: &Result<String, amqp_fibonacci::CallError>| match r {
        Err(e) => e.to_string(),
        Ok(v) => format!("(unexpected answer {v})"),
    };
    n.answer(&format!(
        "Two different situations, two clear messages (the binary exits non-zero):\n\
         no server ever started — the request is published `mandatory`, so the broker returns it:\n  \
         {}\n\
         a queue that nobody consumes — the request waits in it; after --timeout we ask the broker:\n  \
         {}",
        text(&no_queue),
        text(&no_consumer)
    ));
    anyhow::ensure!(
        matches!(no_queue, Err(amqp_fibonacci::CallError::NoQueue { .. }))
            && matches!(
                no_consumer,
                Err(amqp_fibonacci::CallError::NoConsumer { .. })
            ),
        "the two cases were not told apart"
    );

    n.question("Can several servers share the work? Can one client have many calls in flight?");
    let first = server.stop()?;
    n.say(&format!(
        "(the first server stopped: {} answered, {} error replies)",
        first.answered, first.errors
    ));
    let delay = Duration::from_millis(100);
    let one = spawn_server(
        &url,
        &served,
        Function::Fib,
        delay,
        n.console_writer("server 1"),
    );
    let two = spawn_server(
        &url,
        &served,
        Function::Fib,
        delay,
        n.console_writer("server 2"),
    );
    wait_for_consumers(&channel, &served, 2)?;
    let bodies: Vec<String> = (10..20).map(|i| i.to_string()).collect();
    let answers = client.call_many(&bodies, WAIT)?;
    let answers: Vec<String> = answers.into_iter().collect::<Result<_, _>>()?;
    let (one, two) = (one.stop()?, two.stop()?);
    n.answer(&format!(
        "Yes and yes: 10 calls published at once, each with its own correlation_id, answered by two\n\
         servers taking turns (prefetch 1 = one request each at a time): server 1 answered {},\n\
         server 2 answered {}. The client matched every reply to its call:\n{}",
        one.answered,
        two.answered,
        bodies
            .iter()
            .zip(&answers)
            .map(|(n, fib)| format!("fib({n}) = {fib}"))
            .collect::<Vec<_>>()
            .chunks(5)
            .map(|line| line.join(", "))
            .collect::<Vec<_>>()
            .join("\n")
    ));
    anyhow::ensure!(
        one.answered > 0 && two.answered > 0,
        "one server did all the work"
    );
    drop(client);
    drop(channel);
    connection.close()?;
    Ok(())
}
