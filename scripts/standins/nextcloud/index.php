<?php
// STAND-IN for Nextcloud's front controller: says what it is and echoes the path it got.
header('Content-Type: text/html; charset=utf-8');
$path = $_SERVER['PATH_INFO'] ?? $_SERVER['REQUEST_URI'];
print("<!doctype html><html><head><title>Nextcloud stand-in</title></head><body>front controller: "
      . htmlspecialchars($path) . "</body></html>\n");
