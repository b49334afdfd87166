"""`17track`: the 17TRACK Tracking API v2.2 aggregator (pushes and `gettrackinfo` polls). The folder
is `seventeentrack` because a package name cannot start with a digit; the slug is `17track`."""
