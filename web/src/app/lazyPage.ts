// lazyPage.ts - code-split pages that do not suspend when already loaded.
// React.lazy always suspends on first render, and React then holds the
// fallback for up to 300 ms before revealing the page; for the page a
// visit starts on, main.tsx loads its chunk before the first render
// instead, so the page renders at once. Later navigations load on demand
// (suspending as usual, under the layout's Suspense).
import { createElement, use, type ComponentType } from 'react';
import { matchPath } from 'react-router';

export interface LazyPage {
  Component: ComponentType;
  preload: () => Promise<unknown>;
}

export function lazyPage(load: () => Promise<{ default: ComponentType }>): LazyPage {
  let loaded: ComponentType | null = null;
  let pending: Promise<ComponentType> | null = null;
  const preload = () => (pending ??= load().then((m) => (loaded = m.default)));
  function Component() {
    const C = loaded ?? use(preload());
    return createElement(C);
  }
  return { Component, preload };
}

/** Loads the chunk of the page at pathname, if it is a lazy one. */
export function preloadFor(pathname: string, routes: readonly { path: string; page?: LazyPage }[]): Promise<unknown> {
  const hit = routes.find((r) => r.page && matchPath(r.path, pathname));
  return hit?.page ? hit.page.preload().catch(() => undefined) : Promise.resolve();
}
