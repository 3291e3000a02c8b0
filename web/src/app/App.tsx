// App.tsx - routes and providers. Ids and filters live in the URL; server
// state lives in TanStack Query; nothing else is global.
import { Suspense, useState } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import { QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Route, Routes } from 'react-router';
import { createQueryClient } from './queryClient';
import { Layout } from './Layout';
import { RequireAuth } from '../features/auth/components/RequireAuth';
import { LoginPage } from '../features/auth/components/LoginPage';
import { ProjectsPage } from '../features/projects/components/ProjectsPage';
import { Loading } from '../components/States';
import { NotFound } from '../components/NotFound';

import { lazyPage } from './lazyPage';

// Heavier pages are separate chunks, loaded on first visit (lazyPage.ts).
const ProjectPage = lazyPage(() => import('./pages/ProjectPage'));
const VideoPage = lazyPage(() => import('./pages/VideoPage'));
const DetectionsPage = lazyPage(() => import('./pages/DetectionsPage'));
const PlayerPage = lazyPage(() => import('./pages/PlayerPage'));
const ResultsPage = lazyPage(() => import('./pages/ResultsPage'));
const TestSessionPage = lazyPage(() => import('../features/testSessions/components/TestSessionPage'));
const OpsPage = lazyPage(() => import('../features/ops/components/OpsPage'));
const AccountPage = lazyPage(() => import('./pages/AccountPage'));

/** The signed-in pages; main.tsx preloads the one a visit starts on. */
export const PAGE_ROUTES = [
  { path: '/projects/:projectId', page: ProjectPage },
  { path: '/videos/:videoId', page: VideoPage },
  { path: '/runs/:runId/detections', page: DetectionsPage },
  { path: '/runs/:runId/player', page: PlayerPage },
  { path: '/runs/:runId/results', page: ResultsPage },
  { path: '/test-sessions/:testSessionId', page: TestSessionPage },
  { path: '/ops', page: OpsPage },
  { path: '/account', page: AccountPage },
];

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireAuth><Layout /></RequireAuth>}>
        <Route index element={<ProjectsPage />} />
        {PAGE_ROUTES.map(({ path, page }) => <Route key={path} path={path.slice(1)} element={<page.Component />} />)}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

export function App({ queryClient }: { queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  return (
    <QueryClientProvider client={client}>
      <BrowserRouter>
        <Suspense fallback={<Loading />}>
          <AppRoutes />
        </Suspense>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
