/** Where the bundle's configuration is, relative to the bundle (the function's working directory). */
export const BUNDLED_CONFIG_PATH = 'config/sluice.json';
