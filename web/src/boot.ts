// The one entry of the front end: the web map at `/`, the applications screens under `/app/`.
// Each is loaded only where it is shown, so the single window does not wait for the map's code.
if (location.pathname === '/app' || location.pathname.startsWith('/app/')) {
  void import('./apps/shell').then((m) => m.start());
} else {
  void import('./main');
}
// issue 16: the maintenance banner (a window to come, or read-only now) on both.
void import('./maintenance').then((m) => m.start());
