export { ErpAdapter, createErpAdapter } from './erp-adapter';
export type { ErpAdapterOptions } from './erp-adapter';
export { NetSuiteClient, SUITEQL_PAGE_LIMIT, isNetSuiteId, suiteqlIn, suiteqlLiteral } from './netsuite-client';
export type { NsWriteOptions } from './netsuite-client';
export {
  JOB_STATUS,
  CONTRACT_TYPE,
  ERP_INVOICE_STATUSES,
  INVOICE_STATUS_TO_ERP,
  erpCustomerCanonicalId,
  customerResolver,
  erpCustomerToCanonical,
  changeOrderCanonicalId,
  changeOrderToCanonical,
  jobToProject,
  invoiceStatus,
  invoiceLineToCanonical,
  invoiceToCanonical,
  paymentToCanonical,
  customerToErpCustomer,
  projectToJob,
  changeOrderToRecord,
  invoiceToRecord,
  paymentToRecord,
} from './erp-mapper';
export type { ErpInvoiceStatus, CustomerIdResolver, ErpCustomerData, JobData, JobRefs, InvoiceData, InvoiceRefs } from './erp-mapper';
export {
  NS_RECORD_API,
  NS_SUITEQL,
  customerRow,
  jobRow,
  changeOrderRow,
  invoiceRow,
  invoiceLineRow,
  customerPaymentRow,
  suiteqlPageWire,
  recordRefWire,
  restRecordWire,
} from './erp-wire';
export type {
  CustomerRow,
  JobRow,
  ChangeOrderRow,
  InvoiceRow,
  InvoiceLineRow,
  CustomerPaymentRow,
  SuiteqlPage,
  RecordRef,
  RestRecord,
  ErpRecordType,
  CustomerRecordBody,
  JobRecordBody,
  ChangeOrderRecordBody,
  InvoiceItemBody,
  InvoiceRecordBody,
  CustomerPaymentRecordBody,
} from './erp-wire';
