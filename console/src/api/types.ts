// The shapes of the API responses the console reads: the fields it uses, as allot's served
// OpenAPI document (/openapi.json) gives them. Times are Unix seconds; prices are dollars per
// node-hour as decimal strings; balances are cents.

export interface List<T> {
  readonly object: 'list';
  readonly data: readonly T[];
  readonly has_more: boolean;
  readonly cursor: string | null;
}

export interface ScheduleEntry {
  readonly start_at: number;
  readonly end_at: number | null;
  readonly node_count: number;
}

export type Schedule = readonly ScheduleEntry[];

export interface Me {
  readonly account_id: string;
  readonly created_at: number;
}

export interface InstanceSkuProperty<T> {
  readonly value: T;
  readonly display_value: string;
}

export interface InstanceSku {
  readonly id: string;
  readonly alias: string;
  readonly region: InstanceSkuProperty<string> | null;
  readonly availability_zone: InstanceSkuProperty<string> | null;
  readonly accelerator: InstanceSkuProperty<string> | null;
  readonly num_accelerators: InstanceSkuProperty<number> | null;
}

export interface Pool {
  readonly id: string;
  readonly name: string;
  readonly workspace: string;
  readonly kind: 'market' | 'originating' | 'read_only';
  readonly created_at: number;
  readonly allocation_schedule: { readonly total: Schedule; readonly by_instance_sku: Readonly<Record<string, Schedule>> };
}

export type OrderStatus = 'pending' | 'filled' | 'partially_filled' | 'rejected' | 'cancelled' | 'standing';

export interface Order {
  readonly id: string;
  readonly side: 'buy' | 'sell';
  readonly pool: { readonly id: string; readonly name: string };
  readonly instance_sku: { readonly id: string; readonly alias: string };
  readonly allocation_schedule_delta: Schedule;
  readonly filled_allocation_schedule_delta: Schedule;
  readonly limit_price_dollars_per_node_hour: string;
  readonly filled_average_price_dollars_per_node_hour: string | null;
  readonly status: OrderStatus;
  readonly created_at: number;
}

export interface OrderPreviewQuoted {
  readonly type: 'quoted';
  readonly post_order_body: {
    readonly pool: string;
    readonly side: 'buy' | 'sell';
    readonly instance_sku: string;
    readonly allocation_schedule_delta: Schedule;
    readonly limit_price_dollars_per_node_hour: string;
    readonly allow_standing: boolean;
    readonly allow_partial: boolean;
  };
}

export type OrderPreview = OrderPreviewQuoted | { readonly type: 'unavailable'; readonly reason: string };

export type InstanceStatus = 'awaiting_allocation' | 'running' | 'terminated' | 'failed';

export interface Instance {
  readonly id: string;
  readonly name: string;
  readonly status: InstanceStatus;
  readonly pool: { readonly id: string; readonly name: string };
  readonly instance_sku: { readonly id: string; readonly alias: string };
  readonly image: { readonly id: string; readonly name: string };
  readonly created_at: number;
  readonly updated_at: number;
  readonly expected_shutdown_at: number | null;
  readonly priority_level: string | null;
  readonly public_ip?: string;
}

export interface LogLine {
  readonly seqnum: number;
  readonly timestamp_realtime: number;
  /** Base64 console bytes. */
  readonly data: string;
}

export interface InstanceSsh {
  readonly hostname: string;
  readonly port: number;
  readonly host_keys: readonly { readonly key_type: string; readonly key: string }[];
}

export interface Image {
  readonly id: string;
  readonly name: string;
}

export interface Balances {
  readonly available_balance_cents: number;
  readonly current_balance_cents: number;
  /** When the server read the balance: its clock's time. */
  readonly updated_at: number;
}

export interface Transaction {
  readonly cursor: string;
  readonly transaction_time: number;
  readonly amount_cents: number;
  readonly balance: number;
  readonly details: { readonly type: 'credit_grant'; readonly memo: string } | { readonly type: 'buy_order' | 'sell_order'; readonly order_id: string };
}

export interface Transactions {
  readonly data: readonly Transaction[];
  readonly has_more: boolean;
}

export interface PriceLevel {
  readonly instance_sku: string;
  readonly dollars_per_node_hour: string;
  readonly allocation_schedule_delta: Schedule;
}

export interface Depth {
  readonly start_at: number;
  readonly end_at: number;
  readonly requested_at: number;
  readonly bids: readonly PriceLevel[];
  readonly asks: readonly PriceLevel[];
}

export interface Fill extends PriceLevel {
  readonly filled_at: number;
}

export interface Fills {
  readonly requested_at: number;
  readonly data: readonly Fill[];
  readonly has_more: boolean;
}

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly default_workspace: string;
  readonly created_at: number;
}

export interface CreatedToken {
  readonly token: string;
}

export interface Clock {
  readonly mode: 'real' | 'manual';
  readonly now: number;
}

export interface Audit {
  readonly ok: boolean;
  readonly problems: readonly string[];
}
