<?php
// A PHP client that finds its servers the way a Laravel application would: in its config
// file, config/rpc.php, which demo4-watch rewrites whenever a server joins or leaves:
//   demo4-watch --render peers/templates/rpc.php.tpl:config/rpc.php
// It includes the file again before EVERY request, so a change is used at once (the file is
// replaced atomically: it is always a whole file). One REQ socket per request, with a timeout:
// a server that died since the last change costs one timeout, not a hang.
// Prints each reply as the Python client would: [b'alice'].
// Run: php peers/client.php
//   RPC_CONFIG (default config/rpc.php), ZMQ_REQUESTS (default 6; 0 = forever),
//   INTERVAL_MS (default 1000), TIMEOUT_MS (default 2500).
$path = getenv('RPC_CONFIG') ?: 'config/rpc.php';
$requests = (int) (getenv('ZMQ_REQUESTS') === false ? 6 : getenv('ZMQ_REQUESTS'));
$interval = (int) (getenv('INTERVAL_MS') ?: 1000);
$timeout = (int) (getenv('TIMEOUT_MS') ?: 2500);

$context = new ZMQContext();
for ($i = 0; $requests === 0 || $i < $requests; $i++) {
    $config = include $path;                  // read again: the list may have changed
    $servers = $config['demo4'] ?? [];
    if (!$servers) {
        fwrite(STDERR, "no server in $path yet\n");
        usleep($interval * 1000);
        continue;
    }
    $endpoint = $servers[$i % count($servers)]; // round-robin over the current list
    $socket = new ZMQSocket($context, ZMQ::SOCKET_REQ);
    $socket->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
    $socket->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, $timeout);
    $socket->connect($endpoint);
    $socket->sendMulti(['hello']);
    $reply = $socket->recvMulti();
    if ($reply === false) {
        fwrite(STDERR, "W: no reply from $endpoint within {$timeout} ms\n");
    } else {
        echo "[" . implode(", ", array_map(function ($f) { return "b'$f'"; }, $reply)) . "]\n";
    }
    $socket->disconnect($endpoint);
    usleep($interval * 1000);
}
