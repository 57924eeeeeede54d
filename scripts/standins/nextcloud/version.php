<?php
// STAND-IN: the version file of a Nextcloud release.
$OC_Version = [0, 0, 0, 0];
$OC_VersionString = 'standin';
