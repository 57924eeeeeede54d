<?php
// STAND-IN for Nextcloud's cron.php: records the run, as Nextcloud does (core lastcron).
require __DIR__ . '/lib/standin.php';
if (php_sapi_name() !== 'cli') { http_response_code(403); exit; }
$state = standin_load();
$state['appconfig']['core']['lastcron'] = (string) time();
standin_save($state);
