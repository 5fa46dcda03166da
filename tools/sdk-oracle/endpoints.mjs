// Writes the official JS SDK's endpoint for each region x FIPS x dual-stack, for bedrock-asio's
// endpoint test (tests/vectors/sdk_endpoints.json): the SDK's own resolver, driven by its client
// configuration, is the oracle. Usage: npm ci && node endpoints.mjs > ../../tests/vectors/sdk_endpoints.json
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { readFileSync } from "node:fs";

const sdkVersion = JSON.parse(
  readFileSync(new URL("./node_modules/@aws-sdk/client-bedrock-runtime/package.json", import.meta.url))).version;
const regions = [
  "us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1", "ca-central-1", "sa-east-1",
  "us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1",
  "us-iso-east-1", "us-iso-west-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1", "us-isof-east-1",
  "eusc-de-east-1", "il-central-1", "mx-central-1",
];
const cases = [];
for (const region of regions) {
  for (const fips of [false, true]) {
    for (const dualstack of [false, true]) {
      const client = new BedrockRuntimeClient({
        region, useFipsEndpoint: fips, useDualstackEndpoint: dualstack,
        credentials: { accessKeyId: "x", secretAccessKey: "y" },
      });
      let url = null, error = null;
      try {
        const ep = client.config.endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: dualstack });
        url = ep.url.href.replace(/\/$/, "");
      } catch (e) {
        error = String(e.message || e);
      }
      cases.push({ region, fips, dualstack, url, error });
      client.destroy();
    }
  }
}
process.stdout.write(JSON.stringify({ sdk: "@aws-sdk/client-bedrock-runtime", version: sdkVersion, cases }, null, 1) + "\n");
