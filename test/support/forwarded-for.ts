/**
 * X-Forwarded-For as Google's front ends write it, so that tests can build the headers a deployed
 * collector receives, forged parts included.
 *
 * Sources:
 * [F1] https://cloud.google.com/functions/docs/reference/headers — "Headers added for your use":
 *      Cloud Functions adds X-Forwarded-For, "a comma-delimited list of IP addresses through which
 *      the client request has been routed", e.g. `X-Forwarded-For: clientIp, proxy1Ip, proxy2Ip`:
 *      the entries a client sent stay in front, and Google's front end appends the address the
 *      request came to it from. So for a function reached directly, the last entry is the one
 *      Google saw (trusted_hops 1); anything before it came from the client or its proxies.
 * [F2] https://cloud.google.com/load-balancing/docs/https — external Application Load Balancer,
 *      "X-Forwarded-For header": `X-Forwarded-For: <unverified IP(s)>, <immediate client IP>,
 *      <global forwarding rule external IP>, <proxies running in GCP>`; "Only the <immediate client
 *      IP> and <global forwarding rule external IP> entries are provided by the load balancer. All
 *      other entries in the list are passed along without verification." So behind the load
 *      balancer the client is the second entry from the right (trusted_hops 2), or further left
 *      by one for each proxy of your own that appends to the header behind it.
 */

/** The header a function reached directly receives [F1]. */
export function directHeader(client: string, sentByClient?: string): string {
  return sentByClient === undefined ? client : `${sentByClient}, ${client}`;
}

/** The header behind an external Application Load Balancer [F2]. */
export function loadBalancerHeader(client: string, loadBalancer: string, sentByClient?: string): string {
  return sentByClient === undefined ? `${client},${loadBalancer}` : `${sentByClient},${client},${loadBalancer}`;
}
