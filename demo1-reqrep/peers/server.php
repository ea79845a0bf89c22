<?php
// The tutorial's PHP echo server (section 1): REP socket on port 5555.
// Prints "Get message: <text>" and sends the same message back.
// Run: php peers/server.php   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://*:5555';

$context = new ZMQContext();
$server = new ZMQSocket($context, ZMQ::SOCKET_REP);
$server->bind($endpoint);

while (true) {
    $message = $server->recv();
    echo "Get message: $message\n";
    $server->send($message);
}
