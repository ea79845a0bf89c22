<?php
// The tutorial's PHP client (section 1): REQ socket to port 5555.
// Sends "hello there!" and prints "Get back message: <reply>".
// Run: php peers/client.php   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://localhost:5555';

$context = new ZMQContext();
$client = new ZMQSocket($context, ZMQ::SOCKET_REQ);
$client->connect($endpoint);

$client->send("hello there!");
$message = $client->recv();
echo "Get back message: $message\n";
