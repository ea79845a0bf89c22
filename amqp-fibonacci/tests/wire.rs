//! The wire contract of section 7 — what the tutorial's pika scripts send and expect, so that any
//! client works with any server — checked message by message with raw AMQP: what our client
//! publishes, and what our server answers.

use crate::support;

use std::thread;
use std::time::{Duration, Instant};

use amiquip::{AmqpProperties, AmqpValue, Channel, Delivery, Publish, QueueDeclareOptions};
use amqp_fibonacci::{Function, RpcClient, ERROR_HEADER};
use support::{broker, TempQueue, TestServer, BOUND};

/// `basic.get` until a message is there (bounded).
fn get(channel: &Channel, queue: &str) -> Delivery {
    let deadline = Instant::now() + BOUND;
    loop {
        if let Some(got) = channel.basic_get(queue, true).unwrap() {
            return got.delivery;
        }
        assert!(Instant::now() < deadline, "nothing arrived in {queue}");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_client_publishes_decimal_text_with_reply_to_and_a_fresh_uuid4_per_call() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();
    let first = client.send("30").unwrap();
    let second = client.send("31").unwrap();

    let inspector = connection.open_channel(None).unwrap();
    let mut ids = Vec::new();
    for (want_body, call) in [(&b"30"[..], &first), (&b"31"[..], &second)] {
        let request = get(&inspector, &queue.name);
        assert_eq!(request.body, want_body, "body = decimal text of n");
        assert_eq!(request.exchange, "", "published to the default exchange");
        assert_eq!(request.routing_key, queue.name);
        let props = &request.properties;
        assert_eq!(
            props.reply_to().as_deref(),
            Some(client.callback_queue()),
            "one callback queue per client, for every call"
        );
        assert!(
            client.callback_queue().starts_with("amq.gen-"),
            "server-named"
        );
        let id = props.correlation_id().clone().unwrap();
        assert_eq!(id, call.correlation_id());
        let parsed = uuid::Uuid::parse_str(&id).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(
            id,
            parsed.hyphenated().to_string(),
            "uuid4 as text, like str(uuid4())"
        );
        assert!(props.headers().is_none() && props.content_type().is_none());
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1], "a fresh correlation id per call");
}

#[test]
fn the_callback_queue_is_exclusive_to_its_client() {
    let Some(mut connection) = broker() else {
        return;
    };
    let channel = connection.open_channel(None).unwrap();
    let client = RpcClient::new(&channel, "unused").unwrap();
    let mut other = broker().unwrap();
    let intruder = other.open_channel(None).unwrap();
    match intruder.basic_get(client.callback_queue(), true) {
        Err(amiquip::Error::ServerClosedChannel { code: 405, .. }) => {} // RESOURCE_LOCKED
        got => panic!("another connection could read our callback queue: {got:?}"),
    }
}

#[test]
fn the_server_answers_to_reply_to_with_the_same_correlation_id() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let _server = TestServer::start(&queue.name, Function::Fib, Duration::ZERO);

    // A hand-made client: our own reply queue and correlation ids.
    let channel = connection.open_channel(None).unwrap();
    let exclusive = QueueDeclareOptions {
        exclusive: true,
        ..QueueDeclareOptions::default()
    };
    let replies = channel
        .queue_declare("", exclusive)
        .unwrap()
        .name()
        .to_string();
    let ask = |body: &[u8], id: &str| {
        let props = AmqpProperties::default()
            .with_reply_to(replies.clone())
            .with_correlation_id(id.to_string());
        channel
            .basic_publish(
                "",
                Publish::with_properties(body, queue.name.clone(), props),
            )
            .unwrap();
        get(&channel, &replies)
    };

    let reply = ask(b"30", "call-1");
    assert_eq!(reply.body, b"832040");
    assert_eq!(reply.exchange, "");
    assert_eq!(reply.routing_key, replies);
    assert_eq!(reply.properties.correlation_id().as_deref(), Some("call-1"));
    assert!(
        reply.properties.headers().is_none(),
        "a successful reply is exactly the tutorial's: no headers"
    );

    let reply = ask(b"thirty", "call-2");
    assert_eq!(reply.properties.correlation_id().as_deref(), Some("call-2"));
    let kind = reply
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.get(ERROR_HEADER).cloned());
    assert_eq!(
        kind,
        Some(AmqpValue::LongString("not-a-number".to_string()))
    );
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        "\"thirty\" is not a whole decimal number"
    );
}

#[test]
fn the_s14rpc_variant_adds_100() {
    let Some(mut connection) = broker() else {
        return;
    };
    let queue = TempQueue::declared(&mut connection);
    let _server = TestServer::start(&queue.name, Function::Plus100, Duration::ZERO);
    let channel = connection.open_channel(None).unwrap();
    let mut client = RpcClient::new(&channel, &queue.name).unwrap();
    assert_eq!(client.call("30", BOUND).unwrap(), "130");
    assert_eq!(client.call("-130", BOUND).unwrap(), "-30");
}
