<?php
// A PHP client for section 5: REQ socket to port 5555, MessagePack payload.
// Sends ["hello", "world"] and prints the reply as JSON: ["world","hello"].
// Run: php peers/client.php   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://localhost:5555';

$context = new ZMQContext();
$client = new ZMQSocket($context, ZMQ::SOCKET_REQ);
$client->connect($endpoint);

$client->send(msgpack_pack(["hello", "world"]));
echo json_encode(msgpack_unpack($client->recv())) . "\n";
