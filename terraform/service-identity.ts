import { type ITerraformDependable, TerraformProvider, TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';

/**
 * The google-beta provider release that matches @cdktf/provider-google's pinned google provider:
 * `google_project_service_identity` exists only in google-beta, and @cdktf/provider-google-beta
 * would add a second copy of every binding (hundreds of MB) for one resource.
 */
export const GOOGLE_BETA_VERSION = '6.50.0';

export interface GoogleSettings {
  readonly project: string;
  readonly region: string;
  /** Bill API quota to `project`, not to the credentials' own project (see provider-settings.ts). */
  readonly userProjectOverride: boolean;
  readonly billingProject: string;
}

/** The hashicorp/google-beta provider, configured like the google provider. */
export class GoogleBetaProvider extends TerraformProvider {
  private readonly settings: GoogleSettings;

  constructor(scope: Construct, id: string, settings: GoogleSettings) {
    super(scope, id, {
      terraformResourceType: 'google-beta',
      terraformGeneratorMetadata: { providerName: 'google-beta', providerVersion: GOOGLE_BETA_VERSION },
      terraformProviderSource: 'hashicorp/google-beta',
    });
    this.settings = settings;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      project: this.settings.project,
      region: this.settings.region,
      user_project_override: this.settings.userProjectOverride,
      billing_project: this.settings.billingProject,
    };
  }
}

/**
 * `google_project_service_identity`: asks Service Usage to create a service's agent now
 * (services.generateServiceIdentity) instead of whenever the service first needs it. Enabling an
 * API does not guarantee its agent exists, and a role cannot be granted to an agent that does not.
 * Destroying it only forgets it: the agent stays, as Google keeps it.
 */
export class ProjectServiceIdentity extends TerraformResource {
  private readonly project: string;
  private readonly service: string;

  constructor(
    scope: Construct,
    id: string,
    config: { project: string; service: string; provider: GoogleBetaProvider; dependsOn: ITerraformDependable[] },
  ) {
    super(scope, id, {
      terraformResourceType: 'google_project_service_identity',
      terraformGeneratorMetadata: { providerName: 'google-beta', providerVersion: GOOGLE_BETA_VERSION },
      provider: config.provider,
      dependsOn: config.dependsOn,
    });
    this.project = config.project;
    this.service = config.service;
  }

  /** The agent's e-mail address, e.g. service-123@gcp-sa-pubsub.iam.gserviceaccount.com. */
  get email(): string {
    return this.getStringAttribute('email');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { project: this.project, service: this.service };
  }
}
