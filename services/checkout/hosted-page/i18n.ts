// Every word the hosted page shows, in English and Vietnamese. Amounts arrive already formatted.

export const LANGS = ["en", "vi"] as const;
export type Lang = (typeof LANGS)[number];

const en = {
  htmlTitle: "Kredivo checkout",
  brand: "Kredivo",
  orderLabel: "Order",
  amountLabel: "Amount to pay",
  steps: ["Sign in", "Verify", "Confirm"],
  stepOf: (n: number, total: number) => `Step ${n} of ${total}`,
  switchLanguage: "Tiếng Việt",

  signInHeading: "Sign in to Kredivo",
  signInIntro: "Enter the phone number and PIN of your Kredivo account.",
  phoneLabel: "Phone number",
  pinLabel: "PIN",
  signInButton: "Sign in",
  missingCredentials: "Enter your phone number and PIN.",
  wrongCredentials: (left: number) =>
    `Wrong phone number or PIN. ${left} ${left === 1 ? "attempt" : "attempts"} left.`,
  sessionEnded: "Your session has ended. Please sign in again.",

  otpHeading: "Enter your OTP",
  otpIntro: "We sent a one-time code to your phone. Enter it to continue.",
  otpLabel: "One-time code (OTP)",
  otpButton: "Verify",
  missingOtp: "Enter the code we sent you.",
  wrongOtp: (left: number) => `Wrong code. ${left} ${left === 1 ? "attempt" : "attempts"} left.`,

  summaryHeading: "Review your purchase",
  itemsHeading: "Items",
  totalLabel: "Total",
  tenureHeading: "Choose how to pay",
  tenureName: (tenure: number) => (tenure === 1 ? "Pay in 30 days" : `${tenure} monthly instalments`),
  perMonth: "/ month",
  paybackLine: (payback: string, interest: string, fee: string) =>
    `You pay back ${payback} in total (interest ${interest}, processing fee ${fee}).`,
  ineligibleReasons: {
    amount_must_meet_tenure_minimum: "Only for orders of 700.000 ₫ or more",
    tenure_must_be_offered: "Not offered on your account",
    credit_limit_must_cover_amount: "Your available limit does not cover this order",
    buyer_must_not_have_overdue_debt: "You have an overdue instalment: repay it first",
    hold_must_keep_its_tenure: "You already chose another payment term for this order",
    credit_line_must_be_open: "Your account has no credit limit yet",
    buyer_must_not_be_frozen: "Your account is on hold: contact us",
    unknown: "Not available",
  },
  noEligibleTenure: "None of your payment terms can cover this order.",
  chooseTenure: "Choose a payment term.",
  approveButton: "Approve",
  cancelButton: "Cancel",
  tenureNotAllowed: "That payment term is not available for this order. Choose another one.",

  deniedHeading: "Purchase not approved",
  deniedBody: "Kredivo could not approve this purchase. You have not been charged.",
  lockedHeading: "Checkout locked",
  lockedBody:
    "There were too many wrong attempts, so this checkout is locked for your security. Return to the store to start again.",
  statusHeadings: {
    pending: "Purchase approved",
    settled: "Purchase complete",
    failed: "Purchase not completed",
    expired: "Checkout expired",
    aborted: "Checkout cancelled",
  },
  statusBodies: {
    pending: "Your purchase is approved. The store is confirming your order.",
    settled: "This purchase is complete. Thank you for paying with Kredivo.",
    failed: "This purchase did not go through. Any amount held on your limit will be released.",
    expired: "This checkout link has expired. Return to the store to start again.",
    aborted: "This checkout was cancelled.",
  },
  backToStore: "Back to store",

  notFoundHeading: "Checkout not found",
  notFoundBody: "This checkout link is not valid. Return to the store and try again.",
  badRequestHeading: "Invalid request",
  badRequestBody: "This link or form could not be read. Open the checkout link from the store again.",
  forbiddenHeading: "Request refused",
  forbiddenBody:
    "This form was not sent from this checkout page. Open the checkout link from the store again.",
  errorHeading: "Something went wrong",
  errorBody: "Please try again in a moment.",

  // The tokenization page (user/tokenize/init): linking a Kredivo account to a store, without a purchase.
  tokenizeIntro: "Sign in to link your Kredivo account to this store for faster checkouts.",
  tokenizedHeading: "Account linked",
  tokenizedBody: "Your Kredivo account is linked to the store. You can go back to the store.",
  tokenizeFailedHeading: "Account not linked",
  tokenizeFailureBodies: {
    wallet_inactive: "Your Kredivo account has no active credit limit, so it cannot be linked yet.",
    max_otp_attempt: "There were too many wrong attempts, so linking was stopped for your security.",
  },
  tokenizeExpiredHeading: "Link expired",
  tokenizeExpiredBody: "This link has expired. Return to the store to start again.",
};

export type Messages = typeof en;

const vi: Messages = {
  htmlTitle: "Thanh toán Kredivo",
  brand: "Kredivo",
  orderLabel: "Đơn hàng",
  amountLabel: "Số tiền thanh toán",
  steps: ["Đăng nhập", "Xác minh", "Xác nhận"],
  stepOf: (n, total) => `Bước ${n}/${total}`,
  switchLanguage: "English",

  signInHeading: "Đăng nhập Kredivo",
  signInIntro: "Nhập số điện thoại và mã PIN của tài khoản Kredivo.",
  phoneLabel: "Số điện thoại",
  pinLabel: "Mã PIN",
  signInButton: "Đăng nhập",
  missingCredentials: "Vui lòng nhập số điện thoại và mã PIN.",
  wrongCredentials: (left) => `Số điện thoại hoặc mã PIN không đúng. Còn ${left} lần thử.`,
  sessionEnded: "Phiên đăng nhập đã kết thúc. Vui lòng đăng nhập lại.",

  otpHeading: "Nhập mã OTP",
  otpIntro: "Chúng tôi đã gửi mã xác thực một lần đến điện thoại của bạn. Nhập mã để tiếp tục.",
  otpLabel: "Mã xác thực (OTP)",
  otpButton: "Xác minh",
  missingOtp: "Vui lòng nhập mã đã được gửi cho bạn.",
  wrongOtp: (left) => `Mã không đúng. Còn ${left} lần thử.`,

  summaryHeading: "Xem lại đơn hàng",
  itemsHeading: "Sản phẩm",
  totalLabel: "Tổng cộng",
  tenureHeading: "Chọn kỳ hạn thanh toán",
  tenureName: (tenure) => (tenure === 1 ? "Thanh toán sau 30 ngày" : `Trả góp ${tenure} tháng`),
  perMonth: "/ tháng",
  paybackLine: (payback, interest, fee) =>
    `Tổng số tiền phải trả ${payback} (lãi ${interest}, phí xử lý ${fee}).`,
  ineligibleReasons: {
    amount_must_meet_tenure_minimum: "Chỉ áp dụng cho đơn hàng từ 700.000 ₫",
    tenure_must_be_offered: "Tài khoản của bạn chưa được áp dụng kỳ hạn này",
    credit_limit_must_cover_amount: "Hạn mức khả dụng không đủ cho đơn hàng này",
    buyer_must_not_have_overdue_debt: "Bạn có khoản trả góp quá hạn: vui lòng thanh toán trước",
    hold_must_keep_its_tenure: "Bạn đã chọn một kỳ hạn khác cho đơn hàng này",
    credit_line_must_be_open: "Tài khoản của bạn chưa có hạn mức tín dụng",
    buyer_must_not_be_frozen: "Tài khoản của bạn đang bị tạm khóa: vui lòng liên hệ chúng tôi",
    unknown: "Không khả dụng",
  },
  noEligibleTenure: "Không có kỳ hạn nào đủ hạn mức cho đơn hàng này.",
  chooseTenure: "Vui lòng chọn kỳ hạn thanh toán.",
  approveButton: "Đồng ý thanh toán",
  cancelButton: "Hủy",
  tenureNotAllowed: "Kỳ hạn này không áp dụng cho đơn hàng. Vui lòng chọn kỳ hạn khác.",

  deniedHeading: "Giao dịch không được duyệt",
  deniedBody: "Kredivo không thể duyệt giao dịch này. Bạn chưa bị trừ tiền.",
  lockedHeading: "Giao dịch đã bị khóa",
  lockedBody:
    "Bạn đã nhập sai quá nhiều lần nên giao dịch này đã bị khóa để bảo vệ tài khoản. Vui lòng quay lại cửa hàng để thử lại.",
  statusHeadings: {
    pending: "Giao dịch đã được duyệt",
    settled: "Giao dịch hoàn tất",
    failed: "Giao dịch không thành công",
    expired: "Giao dịch đã hết hạn",
    aborted: "Giao dịch đã bị hủy",
  },
  statusBodies: {
    pending: "Giao dịch của bạn đã được duyệt. Cửa hàng đang xác nhận đơn hàng.",
    settled: "Giao dịch đã hoàn tất. Cảm ơn bạn đã thanh toán bằng Kredivo.",
    failed: "Giao dịch không thành công. Số tiền tạm giữ trên hạn mức sẽ được hoàn lại.",
    expired: "Liên kết thanh toán đã hết hạn. Vui lòng quay lại cửa hàng để thử lại.",
    aborted: "Giao dịch này đã bị hủy.",
  },
  backToStore: "Quay lại cửa hàng",

  notFoundHeading: "Không tìm thấy giao dịch",
  notFoundBody: "Liên kết thanh toán không hợp lệ. Vui lòng quay lại cửa hàng và thử lại.",
  badRequestHeading: "Yêu cầu không hợp lệ",
  badRequestBody: "Không đọc được liên kết hoặc biểu mẫu. Vui lòng mở lại liên kết thanh toán từ cửa hàng.",
  forbiddenHeading: "Yêu cầu bị từ chối",
  forbiddenBody:
    "Biểu mẫu không được gửi từ trang thanh toán này. Vui lòng mở lại liên kết thanh toán từ cửa hàng.",
  errorHeading: "Đã có lỗi xảy ra",
  errorBody: "Vui lòng thử lại sau ít phút.",

  tokenizeIntro: "Đăng nhập để liên kết tài khoản Kredivo với cửa hàng này và thanh toán nhanh hơn.",
  tokenizedHeading: "Đã liên kết tài khoản",
  tokenizedBody: "Tài khoản Kredivo của bạn đã được liên kết với cửa hàng. Bạn có thể quay lại cửa hàng.",
  tokenizeFailedHeading: "Chưa liên kết tài khoản",
  tokenizeFailureBodies: {
    wallet_inactive: "Tài khoản Kredivo của bạn chưa có hạn mức tín dụng nên chưa thể liên kết.",
    max_otp_attempt: "Bạn đã nhập sai quá nhiều lần nên việc liên kết đã dừng để bảo vệ tài khoản.",
  },
  tokenizeExpiredHeading: "Liên kết đã hết hạn",
  tokenizeExpiredBody: "Liên kết này đã hết hạn. Vui lòng quay lại cửa hàng để thử lại.",
};

export const messages: Readonly<Record<Lang, Messages>> = { en, vi };

export function isLang(value: string | undefined): value is Lang {
  return value === "en" || value === "vi";
}

/** An explicit `lang` wins; otherwise the first of en/vi in Accept-Language by quality; otherwise English. */
export function pickLang(explicit: Lang | undefined, acceptLanguage: string | undefined): Lang {
  if (explicit) return explicit;
  if (!acceptLanguage) return "en";
  const ranked = acceptLanguage
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return {
        primary: tag.trim().toLowerCase().split("-")[0],
        quality: Number.isFinite(quality) ? quality : 0,
        index,
      };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const entry of ranked) if (isLang(entry.primary)) return entry.primary;
  return "en";
}
