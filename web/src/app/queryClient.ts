// queryClient.ts - the one cache of server state. 4xx answers are not
// retried (they will not change); network errors and 5xx are, twice.
import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '../lib/http';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        retry: (n, e) => !(e instanceof ApiError && e.status >= 400 && e.status < 500) && n < 2,
      },
    },
  });
}
