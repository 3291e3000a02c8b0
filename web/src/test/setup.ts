import '@testing-library/jest-dom/vitest';
import { afterEach } from 'vitest';
import { cleanup, configure } from '@testing-library/react';

// The shared 2-core CI machine can be slow to settle a render; findBy and
// waitFor wait up to 5 s instead of 1 s (they return as soon as it holds).
configure({ asyncUtilTimeout: 5000 });

afterEach(() => cleanup());
