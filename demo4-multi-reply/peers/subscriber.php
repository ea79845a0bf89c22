<?php
// A PHP subscriber to demo4-watch's PUB events: one frame per change, `up <name> <endpoint>`
// or `down <name>`, and the whole list again every second (so a late subscriber catches up).
// It keeps the list and prints one line per real change, as demo4-client does:
// `joined alice tcp://…` / `left alice`.
// Run: php peers/subscriber.php   (ZMQ_ENDPOINT, default tcp://127.0.0.1:5556)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://127.0.0.1:5556';

$context = new ZMQContext();
$subscriber = new ZMQSocket($context, ZMQ::SOCKET_SUB);
$subscriber->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, '');
$subscriber->connect($endpoint);

$servers = [];
while (true) {
    try {
        $frame = $subscriber->recv();
    } catch (ZMQSocketException $e) { // Ctrl-C interrupts the wait: stop quietly
        break;
    }
    $words = explode(' ', $frame);
    if ($words[0] === 'up' && count($words) === 3) {
        [, $name, $at] = $words;
        if (($servers[$name] ?? null) !== $at) {
            $servers[$name] = $at;
            echo "joined $name $at\n";
        }
    } elseif ($words[0] === 'down' && count($words) === 2 && isset($servers[$words[1]])) {
        unset($servers[$words[1]]);
        echo "left {$words[1]}\n";
    }
}
