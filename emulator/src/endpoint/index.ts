export { type ClusterServices, RegionEndpoint } from './region-endpoint.js'
