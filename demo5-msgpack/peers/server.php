<?php
// The tutorial's PHP server (section 5): REP socket on port 5555, MessagePack payload.
// Unpacks the request (an array), prints it and replies with the array reversed.
// Like the tutorial's original it trusts its input: anything but an array breaks it.
// Run: php peers/server.php   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://*:5555';

$context = new ZMQContext();
$server = new ZMQSocket($context, ZMQ::SOCKET_REP);
$server->bind($endpoint);

while (true) {
    $message = msgpack_unpack($server->recv());
    echo "Get message: " . json_encode($message) . "\n";
    $server->send(msgpack_pack(array_reverse($message)));
}
