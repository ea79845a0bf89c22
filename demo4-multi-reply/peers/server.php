<?php
// The tutorial's PHP server (section 4): REP socket on port 5555 that answers every request,
// whatever its frames, with its own name (one frame). Run one per laptop.
// Prints "Get message: [b'hello']" (the frames as the Python client would print them).
// Run: php peers/server.php
//   ZMQ_ENDPOINT overrides the endpoint, SERVER_NAME the name (default: the host name).
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://*:5555';
$name = getenv('SERVER_NAME') ?: gethostname();

$context = new ZMQContext();
$server = new ZMQSocket($context, ZMQ::SOCKET_REP);
$server->bind($endpoint);

while (true) {
    $frames = $server->recvMulti();
    // Good enough for printable text, which is what the tutorial sends.
    $shown = array_map(function ($frame) { return "b'" . $frame . "'"; }, $frames);
    echo "Get message: [" . implode(", ", $shown) . "]\n";
    $server->send($name);
}
