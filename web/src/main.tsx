/** The console's entry: one GraphQL client for the page, the layout and the page the URL names. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { App } from './App.js';
import { createConsoleClient } from './client.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider value={createConsoleClient()}>
      <App />
    </Provider>
  </StrictMode>,
);
