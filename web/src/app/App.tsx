// App.tsx - routes and providers. Ids and filters live in the URL; server
// state lives in TanStack Query; nothing else is global.
import { lazy, Suspense, useState } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { createQueryClient } from './queryClient';
import { Layout } from './Layout';
import { RequireAuth } from '../features/auth/components/RequireAuth';
import { LoginPage } from '../features/auth/components/LoginPage';
import { ProjectsPage } from '../features/projects/components/ProjectsPage';
import { Loading } from '../components/States';

// Heavier pages load on first visit, so the first render stays small.
const ProjectPage = lazy(() => import('../features/projects/components/ProjectPage'));
const VideoPage = lazy(() => import('../features/runs/components/VideoPage'));
const DetectionsPage = lazy(() => import('../features/detections/components/DetectionsPage'));
const PlayerPage = lazy(() => import('../features/player/components/PlayerPage'));
const ResultsPage = lazy(() => import('../features/results/components/ResultsPage'));
const OpsPage = lazy(() => import('../features/ops/components/OpsPage'));

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireAuth><Layout /></RequireAuth>}>
        <Route index element={<ProjectsPage />} />
        <Route path="projects/:projectId" element={<ProjectPage />} />
        <Route path="videos/:videoId" element={<VideoPage />} />
        <Route path="runs/:runId/detections" element={<DetectionsPage />} />
        <Route path="runs/:runId/player" element={<PlayerPage />} />
        <Route path="runs/:runId/results" element={<ResultsPage />} />
        <Route path="ops" element={<OpsPage />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}

export function App() {
  const [client] = useState(createQueryClient);
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
