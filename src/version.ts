/** The package version, sent in the default `application_name`. A test keeps it equal to package.json. */
export const VERSION = '0.1.0'
