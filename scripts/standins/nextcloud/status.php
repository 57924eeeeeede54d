<?php
// STAND-IN for Nextcloud's status.php.
require __DIR__ . '/lib/standin.php';
header('Content-Type: application/json');
print(json_encode(standin_status(standin_load())));
