<?php
// STAND-IN for Composer's autoloader of Invoice Ninja's release.
require_once dirname(__DIR__) . '/lib/standin.php';
