<?php
// config/rpc.php — written by demo4-watch from demo4-multi-reply/peers/templates/rpc.php.tpl
// on every change of the registry (/rpc/demo4/ in etcd). Do not edit: your change is lost at
// the next one. Laravel reads it as config('rpc.demo4').
return [
    'demo4' => [
        '{{endpoint}}', // {{name}}
    ],
];
