import { INVOICE_STATUSES, type Customer, type InvoiceStatus, type Money } from '../../canonical-schema';
import { createLogger, type Logger } from '../../lib';
import type { SystemConfig } from '../config';
import { VendorHttpClient } from '../http/http-client';
import { SourceError, inSourceContext } from '../http/source-error';
import { moneyFromVendor } from '../shared/mapping';
import type { AccountBilling, CrmWriter, OpportunityForConversion, WriteOptions } from '../writes';
import { CrmAdapter } from './crm-adapter';
import { accountBillingFields, accountLinkFields, accountToCustomer, customerToAccountFields, opportunityConversionFields, opportunityToCanonical } from './crm-mapper';
import { SF_API, accountBillingWire, accountWire, opportunityLinkWire, opportunityWire, type AccountFields, type OpportunityFields } from './crm-wire';
import { SalesforceClient, isSalesforceId } from './salesforce-client';

/**
 * The CRM system API, read and write: the read-side {@link CrmAdapter} plus the
 * {@link CrmWriter} operations the sync engine's workflow steps use. Every write is one
 * Salesforce call carrying the step's idempotency key; writes are never retried here.
 */
export class CrmSystemApi extends CrmAdapter implements CrmWriter {
  async getOpportunityForConversion(crmOpportunityId: string, signal?: AbortSignal): Promise<OpportunityForConversion> {
    const what = `CRM Opportunity ${crmOpportunityId}`;
    if (!isSalesforceId(crmOpportunityId)) throw new SourceError('NOT_FOUND', 'CRM', `${what}: not a Salesforce Opportunity id`);
    // one API call: the opportunity, and its account by reference to the opportunity's AccountId
    const [oppAnswer, accountAnswer] = await inSourceContext('CRM', what, () =>
      this.client.compositeGet(
        [
          { url: `${SF_API}/sobjects/Opportunity/${encodeURIComponent(crmOpportunityId)}`, referenceId: 'opportunity' },
          { url: `${SF_API}/sobjects/Account/@{opportunity.AccountId}`, referenceId: 'account' },
        ],
        signal,
      ),
    );
    const opp = await inSourceContext('CRM', what, async () => this.client.subresponse(oppAnswer, `GET ${SF_API}/sobjects/Opportunity/:id`, opportunityWire));
    const oppWhat = `${what} (${opp.Name})`;
    const opportunity = opportunityToCanonical(opp);
    if (!opportunity || !opp.AccountId) {
      throw new SourceError('REJECTED', 'CRM', `${oppWhat}: AccountId is empty; set the Account on the opportunity`, { vendorCode: 'REQUIRED_FIELD_MISSING' });
    }
    const accountId = opp.AccountId;
    const account = await inSourceContext('CRM', `CRM Account ${accountId} of ${oppWhat}`, async () =>
      this.client.subresponse(accountAnswer, `GET ${SF_API}/sobjects/Account/:id`, accountWire),
    );
    return {
      crmOpportunityId: opp.Id,
      crmAccountId: account.Id,
      opportunity,
      account: accountToCustomer(account),
      erpCustomerId: account.ERP_Customer_Id__c || null,
      erpProjectId: opp.ERP_Project_Id__c || null,
      psaWorkspaceId: opp.PSA_Workspace_Id__c || null,
    };
  }

  async linkOpportunity(crmOpportunityId: string, links: { erpProjectId: string; psaWorkspaceId: string }, opts: WriteOptions): Promise<void> {
    await this.patch('Opportunity', crmOpportunityId, opportunityConversionFields({ erpJobId: links.erpProjectId, psaWorkspaceId: links.psaWorkspaceId }), opts);
  }

  async upsertAccount(
    customer: Pick<Customer, 'name' | 'legalName' | 'legalEntity' | 'taxId' | 'currency' | 'billingAddress'> & { parentCrmAccountId?: string | null },
    crmAccountId: string | null,
    opts: WriteOptions,
  ): Promise<{ crmAccountId: string }> {
    const fields = customerToAccountFields(customer, { parentAccountId: customer.parentCrmAccountId });
    if (crmAccountId !== null) {
      await this.patch('Account', crmAccountId, fields, opts, customer.name);
      return { crmAccountId };
    }
    const { id } = await inSourceContext('CRM', `CRM Account create (${customer.name})`, () =>
      this.client.createSObject('Account', fields, { idempotencyKey: opts.idempotencyKey, signal: opts.signal }),
    );
    return { crmAccountId: id };
  }

  async linkAccount(crmAccountId: string, links: { erpCustomerId: string }, opts: WriteOptions): Promise<void> {
    await this.patch('Account', crmAccountId, accountLinkFields(links.erpCustomerId), opts);
  }

  async updateAccountBilling(crmAccountId: string, billing: { arBalance: Money; invoiceStatus: InvoiceStatus | null }, opts: WriteOptions): Promise<void> {
    await this.patch('Account', crmAccountId, accountBillingFields(billing.arBalance, billing.invoiceStatus), opts);
  }

  async listClosedWonWithoutProject(signal?: AbortSignal): Promise<{ crmOpportunityId: string; crmAccountId: string }[]> {
    // The SOQL subset takes one condition: the missing project id is filtered here.
    const rows = await inSourceContext('CRM', 'CRM Opportunity query (Closed Won)', () =>
      this.client.queryAll(`SELECT Id, AccountId, ERP_Project_Id__c FROM Opportunity WHERE StageName = 'Closed Won'`, opportunityLinkWire, signal),
    );
    return rows.filter((r) => !r.ERP_Project_Id__c && r.AccountId).map((r) => ({ crmOpportunityId: r.Id, crmAccountId: r.AccountId! }));
  }

  async listAccountBilling(signal?: AbortSignal): Promise<(AccountBilling & { erpCustomerId: string })[]> {
    const rows = await inSourceContext('CRM', 'CRM Account query (billing)', () =>
      this.client.queryAll('SELECT Id, CurrencyIsoCode, ERP_Customer_Id__c, AR_Balance__c, Invoice_Status__c FROM Account', accountBillingWire, signal),
    );
    return rows
      .filter((r) => r.ERP_Customer_Id__c)
      .map((r) => ({
        crmAccountId: r.Id,
        erpCustomerId: r.ERP_Customer_Id__c!,
        arBalance: r.AR_Balance__c === null || r.AR_Balance__c === undefined ? null : moneyFromVendor('CRM', 'Account.AR_Balance__c', r.AR_Balance__c, r.CurrencyIsoCode),
        invoiceStatus: invoiceStatusWritten(r.Invoice_Status__c),
      }));
  }

  /** `PATCH /sobjects/{type}/{id}` with the step's key; failures name the record. */
  private async patch(type: 'Account' | 'Opportunity', id: string, fields: AccountFields | OpportunityFields, opts: WriteOptions, name?: string): Promise<void> {
    const what = `CRM ${type} ${id}${name ? ` (${name})` : ''}`;
    if (!isSalesforceId(id)) throw new SourceError('NOT_FOUND', 'CRM', `${what}: not a Salesforce ${type} id`);
    await inSourceContext('CRM', what, () => this.client.updateSObject(type, id, fields, { idempotencyKey: opts.idempotencyKey, signal: opts.signal }));
  }

}

/**
 * `Invoice_Status__c` is free text that Tandem writes canonical statuses into; anything
 * else (typed by a person) reads as null, so reconciliation writes it again.
 */
function invoiceStatusWritten(v: string | null | undefined): InvoiceStatus | null {
  return v && (INVOICE_STATUSES as readonly string[]).includes(v) ? (v as InvoiceStatus) : null;
}

/** The CRM system API (reads and writes) over its own HTTP client. */
export function createCrmAdapter(config: SystemConfig, log: Logger = createLogger('adapter-crm')): CrmSystemApi {
  return new CrmSystemApi(new SalesforceClient(new VendorHttpClient('CRM', config, log)), log);
}
