// Which page is shown, from the address's fragment (#/pools, #/instances/inst_…): the console is
// one page served from /console, so the server needs no route per view and a reload keeps the
// view. Reading the fragment needs no library.

import { useEffect, useState } from 'preact/hooks';

/** The fragment's path segments: '#/instances/inst_1' → ['instances', 'inst_1']. */
function currentRoute(): readonly string[] {
  return window.location.hash.replace(/^#\/?/, '').split('/').filter((segment) => segment !== '').map(decodeURIComponent);
}

export function useRoute(): readonly string[] {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const follow = () => setRoute(currentRoute());
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}

export function href(...segments: readonly string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}
