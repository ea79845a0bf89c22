<?php
// A PHP RPC client for section 6: REQ socket to port 5555, MessagePack payload.
// Calls plus(1, 2, 2, 3, 3, 4, 2, 3, -1) and prints the decoded reply: 19.
// Run: php peers/client.php   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://localhost:5555';

$context = new ZMQContext();
$client = new ZMQSocket($context, ZMQ::SOCKET_REQ);
$client->connect($endpoint);

$request = ['function_name' => 'plus', 'parameters' => [1, 2, 2, 3, 3, 4, 2, 3, -1]];
$client->send(msgpack_pack($request));
echo json_encode(msgpack_unpack($client->recv())) . "\n";
