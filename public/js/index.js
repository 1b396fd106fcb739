// The start page: only the signed-in state in the navigation.
import { setupPage } from './ui.js';

setupPage();
